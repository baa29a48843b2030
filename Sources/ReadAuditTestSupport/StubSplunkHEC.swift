import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReadAudit
import Synchronization

/// Splunk's HTTP Event Collector, which cannot run here, built to its documented protocol: token auth
/// (codes 2, 4), concatenated envelopes, gzip, code 6 with `invalid-event-number`, code 9 busy, and
/// indexer acknowledgement (channel header, ackId, `/services/collector/ack`).
public final class StubSplunkHEC: Sendable {
    /// How the collector answers event requests.
    public enum Behaviour: Sendable, Equatable {
        case healthy
        /// 503 `{"text":"Server is busy","code":9}`.
        case busy
        /// 500 `{"text":"Internal server error","code":8}`.
        case internalError
        /// Every token is refused: 403 code 4.
        case invalidToken
        /// The envelope whose event has this id is refused with code 6; the ones before it are indexed.
        case rejectEvent(id: String)
        /// A request holding the event with this id is refused whole with code 12, without saying which event.
        case rejectEventSilently(id: String)
        /// Indexes the events but answers only after `delay` (a client with a shorter timeout sees no answer).
        case slowAnswer(delay: Duration)
    }

    private struct State {
        var behaviour: Behaviour = .healthy
        var received: [String] = []
        var envelopes: [[(String, JSONValue)]] = []
        var requests = 0
        var gzipRequests = 0
        var nextAckId = 0
        var pendingAcks: [Int: [String]] = [:]
        var releasedAcks: Set<Int> = []
        var autoAck = true
        var channels: Set<String> = []
    }

    public let token: String
    /// When true, an event request needs `X-Splunk-Request-Channel` and gets an `ackId` (code 10 otherwise).
    public let ackEnabled: Bool
    private let state = Mutex(State())
    private let portBox = Mutex<Int?>(nil)

    public init(token: String = "hec-test-token", ackEnabled: Bool = false) {
        self.token = token
        self.ackEnabled = ackEnabled
    }

    public var port: Int { portBox.withLock { $0 } ?? 0 }
    public var url: String { "http://127.0.0.1:\(port)" }
    public var behaviour: Behaviour {
        get { state.withLock { $0.behaviour } }
        set { state.withLock { $0.behaviour = newValue } }
    }
    /// Event ids indexed, in arrival order, duplicates included. With acks, an event counts once its ack is released.
    public var received: [String] { state.withLock { $0.received } }
    /// Every envelope indexed (its members), in order.
    public var envelopes: [[(String, JSONValue)]] { state.withLock { $0.envelopes } }
    /// Event requests answered, and how many of them were gzip-encoded.
    public var requestCount: Int { state.withLock { $0.requests } }
    public var gzipRequestCount: Int { state.withLock { $0.gzipRequests } }
    /// With acks: when false, acks stay pending until `releaseAcks()`.
    public var autoAck: Bool {
        get { state.withLock { $0.autoAck } }
        set { state.withLock { $0.autoAck = newValue } }
    }
    /// Ack ids handed out and not yet acknowledged.
    public var pendingAckCount: Int { state.withLock { $0.pendingAcks.count - $0.releasedAcks.count } }

    /// Marks every pending ack as indexed.
    public func releaseAcks() {
        state.withLock { state in
            for (id, events) in state.pendingAcks where !state.releasedAcks.contains(id) {
                state.releasedAcks.insert(id)
                state.received += events
            }
        }
    }

    static func answer(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// Runs the collector for the duration of `body`.
    public func run<T: Sendable>(_ body: (StubSplunkHEC) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/services/collector/event") { request, _ in try await self.event(request) }
        router.post("/services/collector/ack") { request, _ in try await self.ack(request) }
        router.get("/services/collector/health") { _, _ in Self.answer(.ok, #"{"text":"HEC is healthy","code":17}"#) }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.portBox.withLock { $0 = channel.localAddress?.port } },
            logger: Logger(label: "stub-hec"))
        return try await runWhileServing(app, isReady: { self.port != 0 }) { try await body(self) }
    }

    private func authorized(_ request: Request) -> Response? {
        guard let header = request.headers[.authorization] else { return Self.answer(.unauthorized, #"{"text":"Token is required","code":2}"#) }
        guard header.hasPrefix("Splunk ") else { return Self.answer(.unauthorized, #"{"text":"Invalid authorization","code":3}"#) }
        guard header.dropFirst(7) == token, behaviour != .invalidToken else {
            return Self.answer(.forbidden, #"{"text":"Invalid token","code":4}"#)
        }
        return nil
    }

    private func event(_ request: Request) async throws -> Response {
        if let refusal = authorized(request) { return refusal }
        var body = try await request.body.collect(upTo: 16 << 20)
        let gzip = request.headers[.contentEncoding] == "gzip"
        if gzip { body = try body.decompress(with: .gzip()) }
        let channel = request.headers[HTTPField.Name("X-Splunk-Request-Channel")!]
        if ackEnabled && channel == nil { return Self.answer(.badRequest, #"{"text":"Data channel is missing","code":10}"#) }
        let behaviour = state.withLock { state -> Behaviour in
            state.requests += 1
            if gzip { state.gzipRequests += 1 }
            return state.behaviour
        }
        switch behaviour {
        case .busy: return Self.answer(.serviceUnavailable, #"{"text":"Server is busy","code":9}"#)
        case .internalError: return Self.answer(.internalServerError, #"{"text":"Internal server error","code":8}"#)
        default: break
        }
        let response = index(body, behaviour: behaviour)
        if case .slowAnswer(let delay) = behaviour {
            // Indexed already; only the answer is late (the client may have given up by then).
            try? await Task.sleep(for: delay)
        }
        return response
    }

    private func index(_ body: ByteBuffer, behaviour: Behaviour) -> Response {
        let envelopes: [JSONValue]
        do {
            envelopes = try JSONParser.parseConcatenated(Array(buffer: body))
        } catch {
            return Self.answer(.badRequest, #"{"text":"Invalid data format","code":6,"invalid-event-number":0}"#)
        }
        var accepted: [[(String, JSONValue)]] = []
        var refusedAt: Int?
        for (index, envelope) in envelopes.enumerated() {
            guard let members = envelope.objectMembers, let event = members.first(where: { $0.0 == "event" })?.1 else {
                refusedAt = index
                break
            }
            if case .rejectEvent(let id) = behaviour, event.objectMembers?.first(where: { $0.0 == "id" })?.1 == .string(id) {
                refusedAt = index
                break
            }
            if case .rejectEventSilently(let id) = behaviour, event.objectMembers?.first(where: { $0.0 == "id" })?.1 == .string(id) {
                return Self.answer(.badRequest, #"{"text":"Event field cannot be blank","code":13}"#)
            }
            accepted.append(members)
        }
        let ids = accepted.compactMap { members -> String? in
            guard case .string(let id)? = members.first(where: { $0.0 == "event" })?.1.objectMembers?.first(where: { $0.0 == "id" })?.1 else { return nil }
            return id
        }
        let ackId: Int? = state.withLock { state in
            state.envelopes += accepted
            guard ackEnabled else {
                state.received += ids
                return nil
            }
            let id = state.nextAckId
            state.nextAckId += 1
            state.pendingAcks[id] = ids
            if state.autoAck {
                state.releasedAcks.insert(id)
                state.received += ids
            }
            return id
        }
        if let refusedAt {
            return Self.answer(.badRequest, #"{"text":"Invalid data format","code":6,"invalid-event-number":\#(refusedAt)}"#)
        }
        if let ackId { return Self.answer(.ok, #"{"text":"Success","code":0,"ackId":\#(ackId)}"#) }
        return Self.answer(.ok, #"{"text":"Success","code":0}"#)
    }

    private func ack(_ request: Request) async throws -> Response {
        if let refusal = authorized(request) { return refusal }
        guard ackEnabled else { return Self.answer(.badRequest, #"{"text":"ACK is disabled","code":14}"#) }
        let body = try await request.body.collect(upTo: 1 << 20)
        guard case .array(let ids)? = (try? JSONParser.parse(Array(buffer: body)))?.objectMembers?.first(where: { $0.0 == "acks" })?.1 else {
            return Self.answer(.badRequest, #"{"text":"Invalid data format","code":6}"#)
        }
        let released = state.withLock { $0.releasedAcks }
        var json = JSONText()
        json.raw(#"{"acks":{"#)
        for (index, id) in ids.enumerated() {
            guard case .number(let text) = id, let ackId = Int(text) else { continue }
            json.key(text, first: index == 0)
            json.raw(released.contains(ackId) ? "true" : "false")
        }
        json.raw("}}")
        return Self.answer(.ok, json.string)
    }
}
