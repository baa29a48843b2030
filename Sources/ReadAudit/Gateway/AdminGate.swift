import HTTPTypes
import Hummingbird

/// What an admin request asked: recorded in its `admin.request` event whether it is answered or refused.
/// Identifiers go in the event's columns (so the request shows up in queries about that customer, agent
/// or interaction); the other parameters, verbatim and shortened, in `detail`.
struct AdminQuery: Sendable {
    /// `events.query`, `reports.customer`, `deny_list.block`, ...
    var operation: String
    var customer: String?
    var agent: String?
    var interaction: String?
    /// The other parameters as asked (`from`, `to`, `view`, `format`, `cursor`, `limit`, `action`).
    var parameters: [String: String] = [:]

    init(_ operation: String, customer: String? = nil, agent: String? = nil, interaction: String? = nil, parameters: [String: String] = [:]) {
        self.operation = operation
        self.customer = customer.map { String($0.prefix(Self.recordedLimit)) }
        self.agent = agent.map { String($0.prefix(Self.recordedLimit)) }
        self.interaction = interaction.map { String($0.prefix(Self.recordedLimit)) }
        self.parameters = parameters.mapValues { String($0.prefix(Self.recordedLimit)) }
    }

    /// Longest value kept in an event from a request parameter.
    static let recordedLimit = 128
}

/// The answer to an admin request that was allowed and succeeded.
struct AdminAnswer: Sendable {
    var status: HTTPResponse.Status = .ok
    var body: String
    /// `application/json`, `text/csv; charset=utf-8`, ...
    var contentType: String = "application/json"
    /// Extra headers (`Content-Disposition`, the next page's cursor).
    var headers: HTTPFields = [:]
    /// Facts about the answer for the event (`rows`, ...), never customer data values.
    var detail: [String: String] = [:]
}

/// The one door of the admin API: checks the role, runs the request, records one `admin.request` event
/// naming the credential and what was asked, and only then answers (PCI DSS 10.2.1.3). When the journal
/// cannot record, the answer is 503 `audit_unavailable` and no data leaves.
struct AdminGate: Sendable {
    let roles: [String: AdminRole]
    let recorder: EventRecorder
    /// How a refusal is answered: JSON for the API, an HTML page for the console.
    let failureResponse: @Sendable (GatewayError, HTTPFields) -> Response

    init(
        credentials: [AdminCredential], recorder: EventRecorder,
        failureResponse: @escaping @Sendable (GatewayError, HTTPFields) -> Response = { $0.response(extraHeaders: $1) }
    ) {
        roles = Dictionary(credentials.map { ($0.credential.name, $0.role) }, uniquingKeysWith: { first, _ in first })
        self.recorder = recorder
        self.failureResponse = failureResponse
    }

    func handle(
        _ request: Request, context: AuthenticatedContext, query: AdminQuery, permission: AdminPermission,
        _ body: () async throws -> AdminAnswer
    ) async -> Response {
        var event = recorder.draft(.adminRequest, request: request, source: context.sourceAddress, credential: "admin:\(context.caller.name)")
        event.customer = query.customer
        event.agent = query.agent
        event.interaction = query.interaction
        event.detail = query.parameters
        event.detail["operation"] = query.operation
        let answer: Result<AdminAnswer, GatewayError>
        if roles[context.caller.name]?.allows(permission) != true {
            answer = .failure(GatewayError(.forbidden, "This admin credential's role does not allow \(query.operation)."))
        } else {
            do {
                answer = .success(try await body())
            } catch let error as GatewayError {
                answer = .failure(error)
            } catch {
                answer = .failure(GatewayError(.auditUnavailable, "The request could not be completed; try again."))
            }
        }
        switch answer {
        case .success(let answer):
            event.outcome = .ok
            event.detail.merge(answer.detail) { _, new in new }
            do {
                let entry = try await recorder.record(event)
                var headers = answer.headers
                headers[.contentType] = answer.contentType
                headers[.cacheControl] = "no-store"
                headers[.pragma] = "no-cache"
                headers[.xContentTypeOptions] = "nosniff"
                headers[.auditEventId] = entry.event.id.rawValue
                return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
            } catch {
                return error.response()
            }
        case .failure(let failure):
            event.outcome = failure.outcome == .denied ? .denied : .failed
            event.code = failure.code.rawValue
            if let field = failure.field { event.detail["field"] = field }
            guard let entry = try? await recorder.record(event) else {
                return failureResponse(GatewayError(.auditUnavailable, "The audit journal cannot record this request; nothing was done."), [:])
            }
            return failureResponse(failure, [.auditEventId: entry.event.id.rawValue])
        }
    }
}
