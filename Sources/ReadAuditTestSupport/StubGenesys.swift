import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReadAudit
import Synchronization

/// Genesys Cloud's Platform API, as a real HTTP server on loopback, built to the documented shapes:
/// `POST /oauth/token` (client credentials, Basic auth), `GET /api/v2/conversations/{id}`,
/// `DELETE /api/v2/tokens/{userId}`. Counts every call.
public final class StubGenesys: Sendable {
    /// One participant of a stub conversation.
    public struct Participant: Sendable {
        public var purpose: String
        public var userId: String?
        public var endTime: AuditTime?
        public init(purpose: String, userId: String? = nil, endTime: AuditTime? = nil) {
            self.purpose = purpose
            self.userId = userId
            self.endTime = endTime
        }
    }

    /// A stub conversation: times and participants.
    public struct Conversation: Sendable {
        public var startTime: AuditTime
        public var endTime: AuditTime?
        public var participants: [Participant]
        public init(startTime: AuditTime, endTime: AuditTime? = nil, participants: [Participant]) {
            self.startTime = startTime
            self.endTime = endTime
            self.participants = participants
        }
    }

    private struct State {
        var conversations: [String: Conversation] = [:]
        var conversationRequests: [String] = []
        var tokenRequests: [String?] = []
        var revocations: [String] = []
        var issued = 0
        var failing = false
    }

    private let state = Mutex(State())
    private let portBox = Mutex<Int?>(nil)
    public let clientId = "stub-client"
    public let clientSecret = "stub-secret"

    public init() {}

    public func setConversation(_ id: String, _ conversation: Conversation) { state.withLock { $0.conversations[id] = conversation } }
    /// When true every API call answers 503 (Genesys down).
    public var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }
    /// Ids asked for on `GET /api/v2/conversations/{id}`, in order.
    public var conversationRequests: [String] { state.withLock { $0.conversationRequests } }
    /// The Authorization header of each token request.
    public var tokenRequests: [String?] { state.withLock { $0.tokenRequests } }
    /// User ids whose tokens were revoked, in order.
    public var revocations: [String] { state.withLock { $0.revocations } }
    public var port: Int { portBox.withLock { $0 } ?? 0 }
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A gateway configuration pointing at this stub.
    public var configuration: GenesysConfiguration {
        GenesysConfiguration(
            region: "stub.invalid", clientId: clientId, clientSecret: Secret(clientSecret), apiBaseURL: baseURL, loginBaseURL: baseURL)
    }

    private var expectedBasic: String { "Basic " + Data("\(clientId):\(clientSecret)".utf8).base64EncodedString() }

    /// Runs the stub for the duration of `body`.
    public func run<T: Sendable>(_ body: (StubGenesys) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/oauth/token") { request, _ -> Response in
            let form = String(buffer: try await request.body.collect(upTo: 4096))
            let authorization = request.headers[.authorization]
            let token: String? = self.state.withLock { state in
                state.tokenRequests.append(authorization)
                guard authorization == self.expectedBasic, form == "grant_type=client_credentials" else { return nil }
                state.issued += 1
                return "genesys-token-\(state.issued)"
            }
            guard let token else { return Self.json(.unauthorized, #"{"error":"invalid_client"}"#) }
            return Self.json(.ok, #"{"access_token":"\#(token)","token_type":"bearer","expires_in":86399}"#)
        }
        router.get("/api/v2/conversations/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let (conversation, failing, authorized) = self.state.withLock { state in
                state.conversationRequests.append(id)
                return (state.conversations[id], state.failing, self.authorized(request, issued: state.issued))
            }
            if failing { return Self.json(.serviceUnavailable, #"{"status":503,"code":"service.unavailable"}"#) }
            guard authorized else { return Self.json(.unauthorized, #"{"status":401,"code":"bad.credentials"}"#) }
            guard let conversation else { return Self.json(.notFound, #"{"status":404,"code":"not.found"}"#) }
            return Self.json(.ok, Self.render(id: id, conversation))
        }
        router.delete("/api/v2/tokens/:userId") { request, context -> Response in
            let userId = context.parameters.get("userId") ?? ""
            let authorized = self.state.withLock { state in
                state.revocations.append(userId)
                return self.authorized(request, issued: state.issued)
            }
            return authorized ? Response(status: .noContent) : Self.json(.unauthorized, #"{"status":401}"#)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.portBox.withLock { $0 = channel.localAddress?.port } },
            logger: Logger(label: "stub-genesys"))
        return try await runWhileServing(app, isReady: { self.port != 0 }) { try await body(self) }
    }

    private func authorized(_ request: Request, issued: Int) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer genesys-token-") else { return false }
        return Int(header.dropFirst("Bearer genesys-token-".count)).map { (1...max(issued, 1)).contains($0) && issued > 0 } ?? false
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func render(id: String, _ conversation: Conversation) -> String {
        var json = JSONText()
        json.raw("{")
        json.key("id", first: true)
        json.string(id)
        json.key("startTime")
        json.string(conversation.startTime.description)
        json.key("endTime")
        json.optionalString(conversation.endTime?.description)
        json.key("participants")
        json.raw("[")
        for (index, participant) in conversation.participants.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{")
            json.key("id", first: true)
            json.string("participant-\(index)")
            json.key("purpose")
            json.string(participant.purpose)
            if let userId = participant.userId {
                json.key("userId")
                json.string(userId)
            }
            json.key("connectedTime")
            json.string(conversation.startTime.description)
            if let end = participant.endTime {
                json.key("endTime")
                json.string(end.description)
            }
            json.raw("}")
        }
        json.raw("]}")
        return json.string
    }
}
