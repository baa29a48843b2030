/// What `verify` found wrong with an entry.
public struct ChainProblem: Sendable, Equatable, CustomStringConvertible {
    /// The kind of damage, as a stable word for scripts.
    public enum Kind: String, Sendable {
        /// The row's contents no longer match its own hash: a column was edited.
        case contentsAltered = "contents_altered"
        /// The row does not link to the row before it: rows were deleted, inserted or reordered.
        case brokenLink = "broken_link"
        /// A sequence number is missing: rows were deleted.
        case missingSequence = "missing_sequence"
        /// A stored value cannot be decoded at all.
        case unreadable
        /// The journal ends before a signed checkpoint says it does: its newest entries were removed.
        case truncated
        /// The entries differ from what a signed checkpoint states: the chain was rewritten.
        case checkpointMismatch = "checkpoint_mismatch"
        /// A checkpoint's signature is invalid or made with a key nobody trusts.
        case badCheckpoint = "bad_checkpoint"
    }

    /// The first sequence number at which the chain is no longer trustworthy.
    public var sequence: Int64
    public var kind: Kind
    public var message: String

    public init(sequence: Int64, kind: Kind, message: String) {
        self.sequence = sequence
        self.kind = kind
        self.message = message
    }

    public var description: String { "sequence \(sequence): \(kind.rawValue): \(message)" }
}

/// Walks the journal in sequence order and reports the first break in the hash chain. Pure: feed it entries.
public struct ChainVerifier: Sendable {
    private var expectedSequence: Int64 = 1
    private var previousHash: ChainHash = .genesis
    /// How many entries checked out.
    public private(set) var verifiedCount: Int64 = 0
    /// The hash of the last good entry (the chain head when the walk ends cleanly).
    public var head: ChainHash { previousHash }
    /// The sequence number of the last good entry.
    public var lastSequence: Int64 { expectedSequence - 1 }

    public init() {}

    /// A verifier that continues a chain whose first `sequence` entries were verified elsewhere (an archive)
    /// and ended in `head`.
    public init(after sequence: Int64, head: ChainHash) {
        expectedSequence = sequence + 1
        previousHash = head
    }

    /// Checks the next entry, in the order the journal stores them. Returns the problem, if any.
    public mutating func check(_ entry: JournalEntry) -> ChainProblem? {
        let recomputed = CanonicalEncoding.hash(of: entry.event, sequence: entry.sequence, previousHash: entry.previousHash)
        return check(ScannedEntry(
            sequence: entry.sequence, previousHash: entry.previousHash, hash: entry.hash, contentsMatch: recomputed == entry.hash,
            leafHash: MerkleTree.leafHash(entryHash: entry.hash)))
    }

    /// Checks the next entry as `JournalStore.scanChain` read it.
    public mutating func check(_ entry: ScannedEntry) -> ChainProblem? {
        if entry.sequence != expectedSequence {
            if entry.sequence > expectedSequence {
                return ChainProblem(
                    sequence: expectedSequence, kind: .missingSequence,
                    message: "expected sequence \(expectedSequence) but the next stored entry is \(entry.sequence); entries were deleted")
            }
            return ChainProblem(
                sequence: expectedSequence, kind: .brokenLink,
                message: "expected sequence \(expectedSequence) but found \(entry.sequence) again; entries were reordered or duplicated")
        }
        if !entry.contentsMatch {
            return ChainProblem(
                sequence: entry.sequence, kind: .contentsAltered,
                message: "stored hash does not match the entry's contents or position; the entry was edited or moved")
        }
        if entry.previousHash != previousHash {
            return ChainProblem(
                sequence: entry.sequence, kind: .brokenLink,
                message: "previous-hash link does not match entry \(entry.sequence - 1); entries were deleted, inserted or reordered")
        }
        previousHash = entry.hash
        expectedSequence += 1
        verifiedCount += 1
        return nil
    }
}
