import AsyncHTTPClient
import Logging
import NIOCore

/// Datadog logs intake v2: JSON arrays of log entries POSTed to `/api/v2/logs` with `DD-API-KEY`, gzip'd.
///
/// Each entry carries the export JSON twice: as `message` (a string, what the Log Explorer shows) and as
/// the `readaudit` attribute (an object, for facets and queries), plus `event_id`, `event_time` (the event's
/// own time, RFC 3339) and `replay`. Datadog drops logs whose `timestamp` is more than 18 hours old, so the
/// reserved `timestamp` attribute is set only on events younger than 17 hours (an hour of margin for
/// clock skew and intake delay). Older events, held back by a long outage, are indexed at intake time
/// instead, and keep their original time in `event_time`: search that attribute for when they happened.
///
/// The intake has no acknowledgement and no idempotency key: a request that timed out is sent again and
/// may then be held twice, under the same `event_id`.
public struct DatadogSink: AuditSink {
    /// Datadog's limit of entries in one array; larger `batch.maxEvents` settings are capped to it.
    public static let maxEntriesPerRequest = 1000
    /// Datadog's limit of one request's bytes before compression; larger `batch.maxBytes` settings are capped to it.
    public static let maxBytesPerRequest = 5_000_000
    /// Events older than this when sent get no `timestamp` (Datadog drops those older than 18 hours).
    public static let timestampHorizon: Duration = .seconds(17 * 3600)

    public let name: String
    let configuration: DatadogSinkConfiguration
    let delivery: JSONArrayDelivery
    let exporter: EventExporter
    let client: HTTPClient
    let logger: Logger

    public init(
        name: String, configuration: DatadogSinkConfiguration, limits: SinkBatchLimits, exporter: EventExporter,
        client: HTTPClient, logger: Logger
    ) {
        self.name = name
        self.configuration = configuration
        self.delivery = JSONArrayDelivery(
            maxEntries: min(limits.maxEvents, Self.maxEntriesPerRequest), maxBytes: min(limits.maxBytes, Self.maxBytesPerRequest))
        self.exporter = exporter
        self.client = client
        self.logger = logger
    }

    public func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        let entries = batch.entries.map { logEntry($0, now: batch.now) }
        return await delivery.deliver(entries) { range in await send(entries[range]) }
    }

    /// One log entry: Datadog's reserved attributes, the export, and the times (see the type's comment).
    func logEntry(_ entry: JournalEntry, now: AuditTime) -> [UInt8] {
        let export = String(decoding: exporter.json(entry, now: now), as: UTF8.self)
        var json = JSONText(capacity: 2 * export.utf8.count + 400)
        json.raw("{")
        json.key("ddsource", first: true)
        json.string(configuration.ddsource)
        if let ddtags = configuration.ddtags {
            json.key("ddtags")
            json.string(ddtags)
        }
        json.key("hostname")
        json.string(configuration.hostname ?? entry.event.node)
        json.key("service")
        json.string(configuration.service)
        json.key("status")
        json.string(Self.status(of: entry.event.outcome))
        json.key("message")
        json.string(export)
        json.key("readaudit")
        json.raw(export)
        json.key("event_id")
        json.string(entry.event.id.rawValue)
        json.key("event_time")
        json.string(entry.event.time.description)
        json.key("replay")
        json.raw(exporter.isReplay(entry, now: now) ? "true" : "false")
        if now.microseconds - entry.event.time.microseconds < Int64(Self.timestampHorizon / .microseconds(1)) {
            json.key("timestamp")
            json.raw(String(entry.event.time.microseconds / 1000))
        }
        json.raw("}")
        return json.bytes
    }

    /// Datadog's log status: `info` for what went as asked, `warn` for every refusal or failure.
    static func status(of outcome: AuditOutcome) -> String {
        outcome == .served || outcome == .ok ? "info" : "warn"
    }

    /// POSTs one array and classifies the answer.
    func send(_ entries: ArraySlice<[UInt8]>) async -> JSONArrayAnswer.Verdict {
        let headers = [("DD-API-KEY", configuration.apiKey.value), ("Content-Type", "application/json")]
        let answer: HTTPAnswer
        do {
            answer = try await client.post(
                configuration.endpoint, headers: headers, body: JSONArrayDelivery.body(entries), gzip: configuration.gzip,
                timeout: configuration.requestTimeout)
        } catch {
            return JSONArrayAnswer.noAnswer(from: "Datadog", error: error)
        }
        // Datadog's error bodies are its own messages ({"errors":[...]}), not our entries: kept for the reason.
        let verdict = JSONArrayAnswer(intake: "Datadog", status: answer.status, message: String(decoding: answer.body, as: UTF8.self)).verdict
        if case .refused = verdict {
            logger.notice(
                "Datadog refused a request for its content; sending it again in halves to find the entry at fault",
                metadata: ["sink": "\(name)", "status": "\(answer.status)", "entries": "\(entries.count)"])
        }
        return verdict
    }
}
