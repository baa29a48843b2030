/// The result of walking the whole chain.
public struct VerificationResult: Sendable, Equatable {
    /// Entries that checked out, in order, before the first problem (all of them when intact).
    public var verifiedCount: Int64
    /// The hash of the last good entry.
    public var head: ChainHash
    /// The first problem, or nil when the chain is intact.
    public var problem: ChainProblem?

    public var isIntact: Bool { problem == nil }
}

/// `readaudit verify`: walks the journal file in sequence order and names the first bad sequence number.
public enum JournalVerification {
    public static func verify(_ store: JournalStore) async throws -> VerificationResult {
        var verifier = ChainVerifier()
        var problem: ChainProblem?
        do {
            try await store.walk { page in
                for entry in page {
                    if let found = verifier.check(entry) {
                        problem = found
                        return false
                    }
                }
                return true
            }
        } catch let unreadable as UnreadableEntry {
            problem = ChainProblem(sequence: unreadable.sequence, kind: .unreadable, message: unreadable.detail)
        }
        return VerificationResult(verifiedCount: verifier.verifiedCount, head: verifier.head, problem: problem)
    }
}
