import Crypto
import Foundation

/// Turns journal entries into what a sink sends: the stable JSON export, with customer ids pseudonymised
/// when the sink asks for it, and a replay mark on events sent long after they happened.
public struct EventExporter: Sendable {
    /// Present when this sink receives `hmac-sha256:<hex>` instead of customer ids.
    public let pseudonymKey: SymmetricKey?
    /// An event older than this when sent is marked `"replay": true` (it was held back by an outage); nil never marks.
    public let replayAfter: Duration?

    public init(pseudonymKey: SymmetricKey? = nil, replayAfter: Duration? = .seconds(300)) {
        self.pseudonymKey = pseudonymKey
        self.replayAfter = replayAfter
    }

    /// `hmac-sha256:<hex>` of a customer id under `key`: what `readaudit hash-id` prints and SIEMs hold.
    public static func pseudonym(of customerId: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(customerId.utf8), using: key)
        return "hmac-sha256:" + ChainHash(bytes: Array(mac))!.hex
    }

    /// The customer id as this sink may see it.
    public func customer(_ entry: JournalEntry) -> String? {
        guard let customer = entry.event.customer else { return nil }
        guard let pseudonymKey else { return customer }
        return Self.pseudonym(of: customer, key: pseudonymKey)
    }

    /// True when the event is sent long after it happened (after an outage, say).
    public func isReplay(_ entry: JournalEntry, now: AuditTime) -> Bool {
        guard let replayAfter else { return false }
        return now.microseconds - entry.event.time.microseconds > Int64(replayAfter / .microseconds(1))
    }

    /// The export JSON of one entry (see docs/canonical-encoding.md, part 2), plus `"replay": true` when late.
    public func json(_ entry: JournalEntry, now: AuditTime) -> [UInt8] {
        var bytes = entry.jsonBytes(customer: customer(entry))
        if isReplay(entry, now: now) {
            bytes.removeLast()
            bytes.append(contentsOf: Array(#","replay":true}"#.utf8))
        }
        return bytes
    }
}
