import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Splunk HTTP Event Collector: concatenated envelopes to `/services/collector/event`, gzip, and
/// optional indexer acknowledgement (the batch counts as delivered only once Splunk says it is indexed).
public final class SplunkHECSink: AuditSink {
    public let name: String
    let configuration: SplunkHECSinkConfiguration
    let limits: SinkBatchLimits
    let exporter: EventExporter
    let client: HTTPClient
    let logger: Logger
    /// The ack channel of this process (`X-Splunk-Request-Channel`).
    let channel = UUID().uuidString.lowercased()

    public init(
        name: String, configuration: SplunkHECSinkConfiguration, limits: SinkBatchLimits, exporter: EventExporter,
        client: HTTPClient, logger: Logger
    ) {
        self.name = name
        self.configuration = configuration
        self.limits = limits
        self.exporter = exporter
        self.client = client
        self.logger = logger
    }

    public func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        let envelopes = batch.entries.map { envelope($0, now: batch.now) }
        var sent = 0
        for range in RequestSplitter.ranges(sizes: envelopes.map(\.count), maxBytes: limits.maxBytes) {
            let result = await send(Array(envelopes[range]))
            guard result == .delivered else { return result.after(accepted: sent) }
            sent += range.count
        }
        return .delivered
    }

    /// One HEC envelope: the export as `event`, the event's own time, and indexed fields for searching.
    func envelope(_ entry: JournalEntry, now: AuditTime) -> [UInt8] {
        var json = JSONText(capacity: 900)
        let micros = entry.event.time.microseconds
        json.raw(#"{"time":"#)
        json.raw("\(micros / 1_000_000).\(String(micros % 1_000_000).leftPadded(to: 6))")
        json.key("host")
        json.string(configuration.host ?? entry.event.node)
        if let source = configuration.source {
            json.key("source")
            json.string(source)
        }
        json.key("sourcetype")
        json.string(configuration.sourcetype)
        if let index = configuration.index {
            json.key("index")
            json.string(index)
        }
        json.key("event")
        json.raw(bytes: exporter.json(entry, now: now))
        json.key("fields")
        json.raw("{")
        json.key("event_id", first: true)
        json.string(entry.event.id.rawValue)
        json.key("action")
        json.string(entry.event.action.rawValue)
        json.key("outcome")
        json.string(entry.event.outcome.rawValue)
        json.raw("}}")
        return json.bytes
    }

    /// Sends one request's envelopes and classifies the answer.
    func send(_ envelopes: [[UInt8]]) async -> DeliveryResult {
        var body = ByteBuffer()
        body.reserveCapacity(envelopes.reduce(0) { $0 + $1.count })
        for envelope in envelopes { body.writeBytes(envelope) }
        var headers = [("Authorization", "Splunk \(configuration.token.value)"), ("Content-Type", "application/json")]
        if configuration.ack { headers.append(("X-Splunk-Request-Channel", channel)) }
        let answer: HECAnswer
        do {
            let response = try await client.post(
                configuration.url + "/services/collector/event", headers: headers, body: body, gzip: configuration.gzip,
                timeout: configuration.requestTimeout)
            answer = HECAnswer(status: response.status, body: response.body)
        } catch {
            // No answer: the events may or may not be indexed. Re-sending can duplicate them; they keep their ids.
            return .retry(reason: "no answer from HEC: \(error)")
        }
        switch answer.classify(count: envelopes.count) {
        case .accepted(let ackId):
            guard configuration.ack else { return .delivered }
            guard let ackId else { return .rejected(reason: "indexer acknowledgement is configured but HEC returned no ackId (enable it on the token)") }
            return await waitForAck(ackId)
        case .retry(let reason):
            return .retry(reason: reason)
        case .rejected(let reason):
            return .rejected(reason: reason)
        case .invalidEvent(let index, let reason):
            return .partial(accepted: index, quarantined: reason)
        case .unknownInvalidEvent(let reason):
            // HEC refused the request for one event's content without saying which: send it again in halves
            // until the culprit is alone (about 2·log2(n) requests, not n).
            guard envelopes.count > 1 else { return .partial(accepted: 0, quarantined: reason) }
            let middle = envelopes.count / 2
            let first = await send(Array(envelopes[..<middle]))
            guard first == .delivered else { return first }
            return await send(Array(envelopes[middle...])).after(accepted: middle)
        }
    }

    /// Polls `/services/collector/ack` until the request is indexed, or the ack timeout passes.
    func waitForAck(_ ackId: Int) async -> DeliveryResult {
        let deadline = ContinuousClock.now + configuration.ackTimeout
        while ContinuousClock.now < deadline {
            let headers = [
                ("Authorization", "Splunk \(configuration.token.value)"), ("X-Splunk-Request-Channel", channel),
                ("Content-Type", "application/json"),
            ]
            if let response = try? await client.post(
                configuration.url + "/services/collector/ack?channel=\(channel)", headers: headers,
                body: ByteBuffer(string: #"{"acks":[\#(ackId)]}"#), gzip: false, timeout: configuration.requestTimeout)
            {
                if response.status == 200,
                    case .object(let acks)? = (try? JSONParser.parse(response.body))?.objectMembers?.first(where: { $0.0 == "acks" })?.1,
                    acks.contains(where: { $0.0 == String(ackId) && $0.1 == .bool(true) })
                {
                    return .delivered
                }
                if [401, 403].contains(response.status) {
                    return .rejected(reason: "HEC refused the ack query (HTTP \(response.status))")
                }
            }
            do {
                try await Task.sleep(for: configuration.ackPollInterval)
            } catch {
                break
            }
        }
        // Not known to be indexed: send again (Splunk may then hold it twice, under the same event id).
        return .retry(reason: "no indexer acknowledgement for ackId \(ackId) within \(configuration.ackTimeout)")
    }
}

/// A HEC answer: HTTP status and `{"text", "code", "invalid-event-number", "ackId"}`.
struct HECAnswer {
    enum Classification: Equatable {
        case accepted(ackId: Int?)
        case retry(String)
        case rejected(String)
        case invalidEvent(index: Int, String)
        case unknownInvalidEvent(String)
    }

    var status: Int
    var code: Int?
    var text: String
    var invalidEventNumber: Int?
    var ackId: Int?

    init(status: Int, body: [UInt8]) {
        self.status = status
        let members = (try? JSONParser.parse(body))?.objectMembers ?? []
        func number(_ key: String) -> Int? {
            if case .number(let text)? = members.first(where: { $0.0 == key })?.1 { return Int(text) }
            return nil
        }
        code = number("code")
        invalidEventNumber = number("invalid-event-number")
        ackId = number("ackId")
        if case .string(let text)? = members.first(where: { $0.0 == "text" })?.1 { self.text = String(text.prefix(200)) } else { self.text = "" }
    }

    /// The documented codes: 0 ok; 1–4 token problems; 5, 6, 12, 13 bad data; 7 bad index; 8 internal;
    /// 9 busy; 10–11 channel problems; 14 ack disabled.
    func classify(count: Int) -> Classification {
        let detail = "HEC HTTP \(status) code \(code.map(String.init) ?? "-"): \(text)"
        if (200..<300).contains(status) && (code ?? 0) == 0 { return .accepted(ackId: ackId) }
        switch code {
        case 1, 2, 3, 4: return .rejected(detail)
        case 7, 10, 11, 14: return .rejected(detail)
        case 8, 9: return .retry(detail)
        case 6, 5, 12, 13:
            if let index = invalidEventNumber, index >= 0, index < count { return .invalidEvent(index: index, detail) }
            return .unknownInvalidEvent(detail)
        default: break
        }
        switch status {
        case 401, 403: return .rejected(detail)
        case 413: return .unknownInvalidEvent(detail)
        case 408, 429, 500...599: return .retry(detail)
        case 400...499: return .rejected(detail)
        default: return .retry(detail)
        }
    }
}
