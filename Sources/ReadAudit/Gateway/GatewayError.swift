import HTTPTypes
import Hummingbird

/// An error the gateway answers with: a stable `code`, one HTTP status per code, a message safe for the
/// caller, and the offending request field when there is one. Internal detail never leaves the process.
public struct GatewayError: Error, Sendable, Equatable {
    /// The stable, documented error codes. Each maps to exactly one HTTP status.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public let status: HTTPResponse.Status
        public init?(rawValue: String) {
            guard let known = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
            self = known
        }
        private init(_ rawValue: String, _ status: HTTPResponse.Status) {
            self.rawValue = rawValue
            self.status = status
        }
        public var description: String { rawValue }

        public static let unauthenticated = Code("unauthenticated", .unauthorized)
        public static let unsupportedMediaType = Code("unsupported_media_type", .unsupportedMediaType)
        public static let payloadTooLarge = Code("payload_too_large", .contentTooLarge)
        public static let invalidJSON = Code("invalid_json", .badRequest)
        public static let unknownField = Code("unknown_field", .badRequest)
        public static let missingField = Code("missing_field", .badRequest)
        public static let invalidType = Code("invalid_type", .badRequest)
        public static let invalidFormat = Code("invalid_format", .badRequest)
        public static let interactionNotVerified = Code("interaction_not_verified", .forbidden)
        public static let agentMismatch = Code("agent_mismatch", .forbidden)
        public static let agentBlocked = Code("agent_blocked", .forbidden)
        /// An admin credential whose role does not allow this request.
        public static let forbidden = Code("forbidden", .forbidden)
        public static let customerNotFound = Code("customer_not_found", .notFound)
        /// An admin request to unblock an agent who is not on the deny list.
        public static let notBlocked = Code("not_blocked", .notFound)
        public static let upstreamError = Code("upstream_error", .badGateway)
        public static let upstreamTimeout = Code("upstream_timeout", .gatewayTimeout)
        public static let auditUnavailable = Code("audit_unavailable", .serviceUnavailable)
        public static let notReady = Code("not_ready", .serviceUnavailable)
        public static let internalError = Code("internal_error", .internalServerError)
        /// The CRM calls in flight are at `limits.maxConcurrentUpstream`; retry after `Retry-After`.
        public static let overloaded = Code("overloaded", .serviceUnavailable)
        /// Too many failed authentications from this source address (`limits.authFailures`).
        public static let tooManyRequests = Code("too_many_requests", .tooManyRequests)
        /// This credential is over its rate (`limits.rateLimit`).
        public static let rateLimited = Code("rate_limited", .tooManyRequests)
        /// The request's body did not arrive within `limits.requestTimeoutMs`.
        public static let requestTimeout = Code("request_timeout", .requestTimeout)

        /// Every code, for documentation and tests.
        public static let all: [Code] = [
            unauthenticated, unsupportedMediaType, payloadTooLarge, invalidJSON, unknownField, missingField,
            invalidType, invalidFormat, interactionNotVerified, agentMismatch, agentBlocked, forbidden, customerNotFound, notBlocked,
            upstreamError, upstreamTimeout, auditUnavailable, notReady, internalError, overloaded, tooManyRequests, rateLimited,
            requestTimeout,
        ]
    }

    public var code: Code
    public var message: String
    public var field: String?
    /// Whole seconds the caller should wait before retrying (`Retry-After`), for 429 and 503 `overloaded`.
    public var retryAfter: Int?

    public init(_ code: Code, _ message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    /// The audit outcome an attempt that failed this way is recorded with.
    public var outcome: AuditOutcome {
        switch code {
        case .unauthenticated, .interactionNotVerified, .agentMismatch, .agentBlocked, .forbidden, .tooManyRequests, .rateLimited: .denied
        case .customerNotFound: .notFound
        case .upstreamError, .upstreamTimeout, .internalError, .overloaded: .upstreamError
        default: .invalid
        }
    }

    /// The JSON error body: `{"error": {"code", "message", "field"}}`.
    public var body: [UInt8] {
        var json = JSONText(capacity: 128)
        json.raw("{\"error\":{")
        json.key("code", first: true)
        json.string(code.rawValue)
        json.key("message")
        json.string(message)
        json.key("field")
        json.optionalString(field)
        json.raw("}}")
        return json.bytes
    }

    /// The response for this error, with the no-store headers every gateway answer carries.
    public func response(extraHeaders: HTTPFields = [:]) -> Response {
        var headers = extraHeaders
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        headers[.pragma] = "no-cache"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if code == .unauthenticated {
            headers[.wwwAuthenticate] = "Basic realm=\"readaudit\", Bearer realm=\"readaudit\""
        }
        return Response(status: code.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
