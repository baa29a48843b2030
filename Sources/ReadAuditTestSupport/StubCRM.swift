import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReadAudit
import ServiceLifecycle
import Synchronization

/// A customer's CRM, which cannot run here, as a real HTTP server on loopback: serves records at
/// `GET /customers/{id}` and records every raw request target it receives, exactly as sent.
public final class StubCRM: Sendable {
    /// How the stub answers.
    public enum Behaviour: Sendable {
        /// Records by id, 404 for unknown ids.
        case records
        /// Every request gets this status and a small JSON body.
        case status(Int)
        /// 200 with a body that is not JSON.
        case garbage
        /// 200 with a valid JSON object of about this many bytes.
        case huge(Int)
        /// Answers normally after this delay (a CRM slower than the gateway's timeout).
        case delay(Duration)
    }

    private struct State {
        var records: [String: [UInt8]] = [:]
        var requestTargets: [String] = []
        var authorizations: [String?] = []
        var behaviour: Behaviour = .records
        var tokenRequests: [String?] = []
        var issuedTokens = 0
        var requireToken = false
    }

    private let state = Mutex(State())
    private let portBox = Mutex<Int?>(nil)

    public init(records: [String: String] = StubCRM.defaultRecords) {
        state.withLock { state in
            for (id, json) in records { state.records[id] = Array(json.utf8) }
        }
    }

    /// Two customers with every field kind the field policy handles.
    public static let defaultRecords: [String: String] = [
        "C-1": #"{"customerId":"C-1","firstName":"Ada","lastName":"Byron","ssn":"900-12-3456","cardNumber":"4000001234567899","accountBalance":1234.50,"dateOfBirth":"1985-12-10","address":{"city":"London","postalCode":"N1 9GU"},"email":"ada@example.com","vip":true,"notes":null}"#,
        "C-2": #"{"customerId":"C-2","firstName":"Alan","lastName":"Turing","ssn":"900-98-7654","cardNumber":"5555550000004444","accountBalance":-20,"address":{"city":"Wilmslow"}}"#,
    ]

    /// `count` small customers `C-0` … `C-<count-1>` (velocity rules count distinct customers).
    public static func numberedRecords(_ count: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (0..<count).map { index in
            ("C-\(index)", #"{"customerId":"C-\#(index)","firstName":"Test","ssn":"900-00-\#(String(format: "%04d", index))","accountBalance":1}"#)
        })
    }

    /// The raw request targets received, in order (`/customers/C-1`).
    public var requestTargets: [String] { state.withLock { $0.requestTargets } }
    /// The Authorization header of each request received.
    public var authorizations: [String?] { state.withLock { $0.authorizations } }
    public var behaviour: Behaviour {
        get { state.withLock { $0.behaviour } }
        set { state.withLock { $0.behaviour = newValue } }
    }

    /// The Authorization header of each OAuth token request received.
    public var tokenRequests: [String?] { state.withLock { $0.tokenRequests } }
    /// The OAuth token endpoint (client credentials) the stub serves.
    public var tokenURL: String { "http://127.0.0.1:\(port)/oauth/token" }
    /// When true, customer requests must carry `Bearer token-N` for a token the stub issued.
    public var requireToken: Bool {
        get { state.withLock { $0.requireToken } }
        set { state.withLock { $0.requireToken = newValue } }
    }

    public func addRecord(id: String, json: String) { state.withLock { $0.records[id] = Array(json.utf8) } }

    /// The port it listens on, once running.
    public var port: Int { portBox.withLock { $0 } ?? 0 }
    /// The URL template the gateway should use.
    public var urlTemplate: String { "http://127.0.0.1:\(port)/customers/{customerId}" }

    /// Runs the stub for the duration of `body`.
    public func run<T: Sendable>(_ body: (StubCRM) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/oauth/token") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 4096))
            let token = self.state.withLock { state in
                state.tokenRequests.append(request.headers[.authorization])
                state.issuedTokens += 1
                return "token-\(state.issuedTokens)"
            }
            guard body.hasPrefix("grant_type=client_credentials") else {
                return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: #"{"error":"unsupported_grant_type"}"#)))
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"access_token":"\#(token)","token_type":"bearer","expires_in":3600}"#)))
        }
        router.get("/customers/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let (behaviour, record, tokenOK) = self.state.withLock { state in
                state.requestTargets.append(request.head.path ?? "")
                let authorization = request.headers[.authorization]
                state.authorizations.append(authorization)
                let tokenOK = !state.requireToken
                    || (1...max(state.issuedTokens, 1)).contains { authorization == "Bearer token-\($0)" && state.issuedTokens > 0 }
                return (state.behaviour, state.records[id.removingPercentEncoding ?? id], tokenOK)
            }
            guard tokenOK else { return Response(status: .unauthorized) }
            switch behaviour {
            case .records:
                break
            case .status(let code):
                return Response(status: .init(code: code), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"error":"stub"}"#)))
            case .garbage:
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "<html>not json")))
            case .huge(let size):
                let filler = String(repeating: "x", count: size)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"customerId":"C-1","filler":"\#(filler)"}"#)))
            case .delay(let delay):
                try await Task.sleep(for: delay)
            }
            guard let record else {
                return Response(status: .notFound, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"error":"not found"}"#)))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: record)))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.portBox.withLock { $0 = channel.localAddress?.port } },
            logger: Logger(label: "stub-crm"))
        return try await runWhileServing(app, isReady: { self.port != 0 }) { try await body(self) }
    }
}

/// Runs `service` in a service group, waits until `isReady`, runs `body`, then shuts the group down gracefully.
public func runWhileServing<T: Sendable>(
    _ service: some Service, isReady: @escaping @Sendable () -> Bool, _ body: () async throws -> T
) async throws -> T {
    try await runWhileServing([service], isReady: isReady, body)
}

/// Runs `services` in one service group (in dependency order), waits until `isReady`, runs `body`, then shuts
/// the group down gracefully, also when waiting or `body` fails.
public func runWhileServing<T: Sendable>(
    _ services: [any Service], isReady: @escaping @Sendable () -> Bool = { true }, _ body: () async throws -> T
) async throws -> T {
    let group = ServiceGroup(configuration: .init(services: services, logger: Logger(label: "test-services")))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            // Poll for readiness: the server reports its port from its own event loop.
            var waited = 0
            while !isReady() {
                try await Task.sleep(for: .milliseconds(5))
                waited += 1
                if waited > 2000 { throw TestSupportError("service did not become ready in 10 s") }
            }
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// A failure of the test harness itself.
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A CRM that reads each request and closes the connection without an answer; counts the connections.
public final class SlammingServer: @unchecked Sendable {
    public let port: Int
    private let fd: Int32
    private let accepted = Counter()

    private final class Counter: Sendable {
        let value = Mutex(0)
    }

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw TestSupportError("cannot listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [fd, accepted] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                accepted.value.withLock { $0 += 1 }
                // Read the request first, so the client knows it was sent and not merely failed to connect.
                var buffer = [UInt8](repeating: 0, count: 65536)
                _ = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                close(client)
            }
        }
    }

    /// Connections accepted so far.
    public var connections: Int { accepted.value.withLock { $0 } }

    public func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
