/// The durable, hash-chained record of every attempt. The read path's only hard dependency.
public protocol AuditJournal: Sendable {
    /// Seals `event` into the chain and returns only once it is durable (fsync'd), or throws.
    func append(_ event: AuditEventDraft) async throws -> JournalEntry
    /// Entries with a sequence number greater than `sequence`, oldest first, at most `limit`.
    func entries(after sequence: Int64, limit: Int) async throws -> [JournalEntry]
    /// Returns once an entry after `sequence` exists, or when the task is cancelled.
    func waitForEntries(after sequence: Int64) async
}

/// Why the journal refused an append. The gateway turns every one of these into 503 `audit_unavailable`.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, stable for logs and tests.
    public enum Code: String, Sendable {
        /// The commit failed (disk full, I/O error, database locked past the busy timeout...).
        case commitFailed = "commit_failed"
        /// The journal has shut down and accepts no more appends.
        case closed
    }

    public var code: Code
    /// Internal detail for the operator's log; never shown to a caller.
    public var detail: String

    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
