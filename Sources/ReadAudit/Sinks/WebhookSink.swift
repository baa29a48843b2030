import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore

/// A JSON array of export objects POSTed to any URL (SOAR tools and the like), each request signed.
///
/// Headers: `Content-Type: application/json`, `X-ReadAudit-Timestamp: <unix seconds>`,
/// `X-ReadAudit-Signature: sha256=<hex of HMAC-SHA256(secret, timestamp + "." + body)>` and
/// `X-ReadAudit-Batch: <first seq>-<last seq>`. A receiver recomputes the HMAC over the raw body bytes as
/// received, compares it in constant time, and refuses a timestamp more than a few minutes from its own
/// clock, so a captured request cannot be replayed later. The timestamp is the attempt's (`SinkBatch.now`),
/// not the events' own times. A request that timed out is sent again and may arrive twice: entries keep
/// their `id` and `seq` for de-duplication.
public struct WebhookSink: AuditSink {
    public let name: String
    let configuration: WebhookSinkConfiguration
    let delivery: JSONArrayDelivery
    let exporter: EventExporter
    let client: HTTPClient
    let logger: Logger

    public init(
        name: String, configuration: WebhookSinkConfiguration, limits: SinkBatchLimits, exporter: EventExporter,
        client: HTTPClient, logger: Logger
    ) {
        self.name = name
        self.configuration = configuration
        self.delivery = JSONArrayDelivery(maxEntries: limits.maxEvents, maxBytes: limits.maxBytes)
        self.exporter = exporter
        self.client = client
        self.logger = logger
    }

    public func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        let exports = batch.entries.map { exporter.json($0, now: batch.now) }
        return await delivery.deliver(exports) { range in
            let sequences = batch.entries[range.lowerBound].sequence...batch.entries[range.upperBound - 1].sequence
            return await send(exports[range], sequences: sequences, now: batch.now)
        }
    }

    /// `sha256=<hex>` of the HMAC-SHA256 of `timestamp + "." + body` under `secret`.
    public static func signature(secret: Secret, timestamp: String, body: some Sequence<UInt8>) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.value.utf8)))
        mac.update(data: Data(timestamp.utf8))
        mac.update(data: Data(".".utf8))
        mac.update(data: Data(body))
        return "sha256=" + ChainHash(bytes: Array(mac.finalize()))!.hex
    }

    /// POSTs one signed array and classifies the answer.
    func send(_ exports: ArraySlice<[UInt8]>, sequences: ClosedRange<Int64>, now: AuditTime) async -> JSONArrayAnswer.Verdict {
        let body = JSONArrayDelivery.body(exports)
        let timestamp = String(now.microseconds / 1_000_000)
        let headers = [
            ("Content-Type", "application/json"), ("X-ReadAudit-Timestamp", timestamp),
            ("X-ReadAudit-Signature", Self.signature(secret: configuration.secret, timestamp: timestamp, body: body.readableBytesView)),
            ("X-ReadAudit-Batch", "\(sequences.lowerBound)-\(sequences.upperBound)"),
        ]
        let answer: HTTPAnswer
        do {
            answer = try await client.post(configuration.url, headers: headers, body: body, gzip: false, timeout: configuration.requestTimeout)
        } catch {
            return JSONArrayAnswer.noAnswer(from: "the webhook", error: error)
        }
        // The receiver's body is not repeated: any receiver may echo what we sent, customer ids included.
        let verdict = JSONArrayAnswer(intake: "the webhook", status: answer.status).verdict
        if case .refused = verdict {
            logger.notice(
                "The webhook refused a request for its content; sending it again in halves to find the entry at fault",
                metadata: ["sink": "\(name)", "status": "\(answer.status)", "batch": "\(sequences.lowerBound)-\(sequences.upperBound)"])
        }
        return verdict
    }
}
