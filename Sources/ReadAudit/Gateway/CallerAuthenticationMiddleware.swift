import HTTPTypes
import Hummingbird

/// Authenticates the integration caller. A failed attempt is recorded as a denied event before the 401.
/// With `guards`, a source address with too many recent failures is refused with 429 `too_many_requests`
/// before its key is even looked at, and an authenticated credential over its rate gets 429 `rate_limited`;
/// both are recorded too.
struct CallerAuthenticationMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let authenticator: CallerAuthenticator
    let recorder: EventRecorder
    /// The action a refused request is recorded under.
    let action: AuditAction
    /// Facts about a refused request for its event (the admin API records the path asked for).
    var describeRefused: @Sendable (Request) -> [String: String] = { _ in [:] }
    /// The failed-authentication throttle and per-credential rate limits; nil for none.
    var guards: RequestGuards? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let retryAfter = guards?.authFailures.retryAfter(source: context.sourceAddress) {
            context.logger.notice("refused: too many failed authentications from this source", metadata: ["source": "\(context.sourceAddress ?? "-")"])
            return await refuse(
                GatewayError(.tooManyRequests, "Too many failed authentications from this address; retry later.", retryAfter: retryAfter),
                request: request, context: context, credential: nil)
        }
        if let caller = authenticator.authenticate(authorization: request.headers[.authorization]) {
            if let retryAfter = guards?.rates?.take(caller.name) {
                return await refuse(
                    GatewayError(.rateLimited, "This credential is over its request rate; retry later.", retryAfter: retryAfter),
                    request: request, context: context, credential: caller.name)
            }
            var context = context
            context.caller = caller
            return try await next(request, context)
        }
        guards?.authFailures.recordFailure(source: context.sourceAddress)
        return await refuse(GatewayError(.unauthenticated, "Authentication required."), request: request, context: context, credential: nil)
    }

    /// Records the refused attempt, then answers with `failure` (or 503 if it cannot be recorded).
    private func refuse(_ failure: GatewayError, request: Request, context: Context, credential: String?) async -> Response {
        var event = recorder.draft(action, request: request, source: context.sourceAddress, credential: credential)
        event.outcome = failure.outcome
        event.code = failure.code.rawValue
        event.detail = describeRefused(request)
        do {
            let entry = try await recorder.record(event)
            return failure.response(extraHeaders: [.auditEventId: entry.event.id.rawValue, .auditOutcome: event.outcome.rawValue])
        } catch {
            return error.response(extraHeaders: [.auditOutcome: "audit_unavailable"])
        }
    }
}

extension HTTPField.Name {
    /// The id of the event that recorded this request.
    public static let auditEventId = HTTPField.Name("Audit-Event-Id")!
    /// HTTP/1.0 caches' spelling of no-store.
    static let pragma = HTTPField.Name("Pragma")!
    /// Internal: the outcome, read and removed by the metrics middleware.
    static let auditOutcome = HTTPField.Name("X-ReadAudit-Outcome")!
}
