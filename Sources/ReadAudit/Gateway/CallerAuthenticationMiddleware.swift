import HTTPTypes
import Hummingbird

/// Authenticates the integration caller. A failed attempt is recorded as a denied event before the 401.
struct CallerAuthenticationMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let authenticator: CallerAuthenticator
    let recorder: EventRecorder
    /// The action a refused request is recorded under.
    let action: AuditAction
    /// Facts about a refused request for its event (the admin API records the path asked for).
    var describeRefused: @Sendable (Request) -> [String: String] = { _ in [:] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let caller = authenticator.authenticate(authorization: request.headers[.authorization]) {
            var context = context
            context.caller = caller
            return try await next(request, context)
        }
        var event = recorder.draft(action, request: request, source: context.sourceAddress, credential: nil)
        let failure = GatewayError(.unauthenticated, "Authentication required.")
        event.outcome = .denied
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
