/// A destination that receives a copy of the journal (a SIEM, a file, a webhook).
///
/// The journal is the buffer: a sink is never on the read path. Its shipper hands it batches in
/// sequence order and moves the sink's cursor only when the sink says `delivered`.
public protocol AuditSink: Sendable {
    /// A unique, stable name: the key of the sink's persisted cursor.
    var name: String { get }
    /// Delivers a batch; the answer is a classification, never a thrown error.
    func deliver(_ batch: SinkBatch) async -> DeliveryResult
    /// The last sequence the destination itself knows it holds, when it can tell (a file can; an HTTP
    /// endpoint cannot). Lets a shipper that crashed between delivery and cursor commit resume without
    /// duplicating. Default: nil.
    func resumeSequence() async throws -> Int64?
}

extension AuditSink {
    public func resumeSequence() async throws -> Int64? { nil }
}

/// One delivery: consecutive journal entries, oldest first.
public struct SinkBatch: Sendable {
    public var entries: [JournalEntry]
    /// True when the entries are being re-sent after the sink failed (SIEMs may mark replays).
    public var isRetry: Bool

    public init(entries: [JournalEntry], isRetry: Bool = false) {
        self.entries = entries
        self.isRetry = isRetry
    }

    public var lastSequence: Int64? { entries.last?.sequence }
}

/// What a sink made of a batch.
public enum DeliveryResult: Sendable, Equatable {
    /// Every entry was accepted; the cursor may move to the batch's last sequence.
    case delivered
    /// Nothing (more) was accepted; try the same batch again after a back-off. `reason` is for the log.
    case retry(reason: String)
    /// The sink will not accept this as sent (bad credentials, bad payload): stop and alert. `reason` is for the log.
    case rejected(reason: String)
}
