/// A destination that receives a copy of the journal (a SIEM, a file, a webhook).
///
/// The journal is the buffer: a sink is never on the read path. Its shipper hands it batches in
/// sequence order and moves the sink's cursor only as far as the sink says it accepted.
public protocol AuditSink: Sendable {
    /// A unique, stable name: the key of the sink's persisted cursor.
    var name: String { get }
    /// Delivers a batch; the answer is a classification, never a thrown error. A sink splits the batch
    /// into as many requests as its protocol's limits need, sends them in order, and stops at the first
    /// that fails, answering `partial` with how many entries went through.
    func deliver(_ batch: SinkBatch) async -> DeliveryResult
    /// The last sequence the destination itself knows it holds, when it can tell (a file can; an HTTP
    /// endpoint cannot). Lets a shipper that crashed between delivery and cursor commit resume without
    /// duplicating. Default: nil.
    func resumeSequence() async throws -> Int64?
}

extension AuditSink {
    public func resumeSequence() async throws -> Int64? { nil }
}

/// One delivery: consecutive journal entries, oldest first, and how to export them.
public struct SinkBatch: Sendable {
    public var entries: [JournalEntry]
    /// True when the entries are being re-sent after the sink failed.
    public var isRetry: Bool
    /// The wall-clock time of this attempt (replay marking compares event times with it).
    public var now: AuditTime

    public init(entries: [JournalEntry], isRetry: Bool = false, now: AuditTime = SystemWallClock().now()) {
        self.entries = entries
        self.isRetry = isRetry
        self.now = now
    }

    public var lastSequence: Int64? { entries.last?.sequence }
}

/// What a sink made of a batch. A classification per protocol, not a catch-all (Vector's RetryLogic).
public enum DeliveryResult: Sendable, Equatable {
    /// Every entry was accepted; the cursor may move to the batch's last sequence.
    case delivered
    /// The first `accepted` entries were accepted. When `quarantined` holds a reason, the entry right after
    /// them was refused for its content and will never be accepted: it is recorded as `audit.sink_rejected`,
    /// alerted, and skipped. Entries after that are sent again.
    case partial(accepted: Int, quarantined: String?)
    /// Nothing more was accepted, for a reason that may pass (5xx, busy, timeout, connection refused):
    /// back off and send the same entries again.
    case retry(reason: String)
    /// The sink refuses us (bad token, forbidden, wrong index): retrying cannot help until an operator acts.
    /// The shipper stops, keeps the backlog in the journal, and raises `audit.sink_degraded`.
    case rejected(reason: String)
}

extension DeliveryResult {
    /// This result of a request that followed `count` entries already accepted from the same batch: the
    /// counts shift, and a failure after some progress becomes `partial` so the cursor keeps that progress.
    func after(accepted count: Int) -> DeliveryResult {
        switch self {
        case .delivered: .delivered
        case .partial(let accepted, let quarantined): .partial(accepted: count + accepted, quarantined: quarantined)
        case .retry, .rejected: count > 0 ? .partial(accepted: count, quarantined: nil) : self
        }
    }
}
