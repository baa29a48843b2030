import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReadAudit
import Synchronization

/// What one HTTP intake protocol demands of a request: where, which credentials, which limits.
public protocol StubIntakeRules: Sendable {
    /// The path requests are POSTed to.
    var path: String { get }
    /// The status of a taken request.
    var acceptedStatus: Int { get }
    /// Larger arrays are refused with 413.
    var maxEntries: Int { get }
    /// Larger bodies (after decompression) are refused with 413.
    var maxBytes: Int { get }
    /// The status to refuse a request with for its credentials, or nil. `body` is exactly as received.
    func refusal(headers: [String: String], body: [UInt8]) -> Int?
    /// The event id an entry carries.
    func eventID(of entry: JSONValue) -> String?
}

/// An HTTP intake that takes a JSON array per request (Datadog logs, a webhook receiver), as a real server on
/// loopback: it checks what its `Rules` demand, answers as its `behaviour` says, and records what it took.
public final class StubIntake<Rules: StubIntakeRules>: Sendable {
    /// How the stub answers.
    public enum Behaviour: Sendable, Equatable {
        /// Takes every valid request.
        case healthy
        /// 503 to everything.
        case down
        /// 429 to everything.
        case rateLimited
        /// 400 to any array holding this event id; takes the others.
        case rejectEvent(String)
        /// Never answers, until the behaviour changes or the stub stops (the client times out first).
        case hang
    }

    /// One request as received.
    public struct Request: Sendable {
        /// The status answered.
        public var status: Int
        /// Entries in the array (0 when it was not one).
        public var entries: Int
        /// Body size after decompression.
        public var bytes: Int
        /// Header values by lower-cased name.
        public var headers: [String: String]
        /// The body after decompression.
        public var body: [UInt8]
    }

    private struct State {
        var behaviour: Behaviour = .healthy
        var requests: [Request] = []
        var taken: [JSONValue] = []
        var stopped = false
        var hanging: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    /// What the protocol demands of a request.
    public let rules: Rules
    private let state = Mutex(State())
    private let portBox = Mutex<Int?>(nil)

    public init(rules: Rules) { self.rules = rules }

    /// How it answers from now on; leaving `hang` lets the hanging requests answer (503).
    public var behaviour: Behaviour {
        get { state.withLock { $0.behaviour } }
        set {
            let released = state.withLock { state in
                state.behaviour = newValue
                defer { state.hanging = [:] }
                return Array(state.hanging.values)
            }
            for continuation in released { continuation.resume() }
        }
    }

    /// Every request received, in order.
    public var requests: [Request] { state.withLock { $0.requests } }
    /// Every entry of every request the stub took, in order.
    public var entries: [JSONValue] { state.withLock { $0.taken } }
    /// The event id of each entry taken, in order.
    public var eventIDs: [String] { entries.compactMap(rules.eventID(of:)) }
    /// The port it listens on, once running.
    public var port: Int { portBox.withLock { $0 } ?? 0 }
    /// Where requests go: `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs the stub for the duration of `body`.
    public func run<T: Sendable>(_ body: (StubIntake) async throws -> T) async throws -> T {
        let router = Router()
        router.post(RouterPath(rules.path)) { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Array(buffer: try await request.body.collect(upTo: 64 << 20))
            let (status, entries, body) = await self.answer(headers: headers, received: received)
            self.state.withLock {
                $0.requests.append(Request(status: status, entries: entries, bytes: body.count, headers: headers, body: body))
            }
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: status < 300 ? "{}" : #"{"errors":["stub answered \#(status)"]}"#)))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.portBox.withLock { $0 = channel.localAddress?.port } },
            logger: Logger(label: "stub-intake"))
        return try await runWhileServing(app, isReady: { self.port != 0 }) {
            defer { release() }
            return try await body(self)
        }
    }

    /// The status for one request, the entries in it and its decoded body; takes the entries when accepted.
    private func answer(headers: [String: String], received: [UInt8]) async -> (Int, Int, [UInt8]) {
        switch behaviour {
        case .down: return (503, 0, received)
        case .rateLimited: return (429, 0, received)
        case .hang:
            await waitForRelease()
            return (503, 0, received)
        case .healthy, .rejectEvent: break
        }
        if let status = rules.refusal(headers: headers, body: received) { return (status, 0, received) }
        var body = received
        if headers["content-encoding"] == "gzip" {
            var buffer = ByteBuffer(bytes: received)
            guard let inflated = try? buffer.decompress(with: .gzip()) else { return (400, 0, received) }
            body = Array(buffer: inflated)
        }
        guard case .array(let entries)? = try? JSONParser.parse(body) else { return (400, 0, body) }
        if entries.count > rules.maxEntries || body.count > rules.maxBytes { return (413, entries.count, body) }
        return state.withLock { state in
            if case .rejectEvent(let id) = state.behaviour, entries.contains(where: { rules.eventID(of: $0) == id }) {
                return (400, entries.count, body)
            }
            state.taken += entries
            return (rules.acceptedStatus, entries.count, body)
        }
    }

    /// Suspends a `hang` request until the behaviour changes or the stub stops.
    private func waitForRelease() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let hangs = state.withLock { state in
                    guard state.behaviour == .hang, !state.stopped else { return false }
                    state.hanging[id] = continuation
                    return true
                }
                if !hangs { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.hanging.removeValue(forKey: id) }?.resume()
        }
    }

    /// Lets every hanging request answer, so the server can shut down.
    private func release() {
        let released = state.withLock { state in
            state.stopped = true
            defer { state.hanging = [:] }
            return Array(state.hanging.values)
        }
        for continuation in released { continuation.resume() }
    }
}

extension JSONValue {
    /// The value of an object's member; nil for a missing key or a value that is not an object.
    public subscript(member key: String) -> JSONValue? {
        objectMembers?.first(where: { $0.0 == key })?.1
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
