/// The result of walking the whole chain.
public struct VerificationResult: Sendable, Equatable {
    /// Entries that checked out, in order, before the first problem (all of them when intact).
    public var verifiedCount: Int64
    /// The hash of the last good entry.
    public var head: ChainHash
    /// The first problem, or nil when the chain is intact.
    public var problem: ChainProblem?
    /// Checkpoints (in the journal and given from outside) whose signature, head and root all matched.
    public var checkpointsVerified: Int = 0
    /// The most entries a verified checkpoint covers: entries after it are chained but not yet signed.
    public var signedSize: Int64 = 0
    /// Facts an auditor should read that are not failures (signatures not checked, say).
    public var notes: [String] = []
    /// The Merkle frontier after the last good entry (its root is the tree's root there).
    public var frontier = MerkleFrontier()

    public var isIntact: Bool { problem == nil }
}

/// What `verify` holds the journal to besides its own chain.
public struct VerificationEvidence: Sendable {
    /// Keys trusted to sign checkpoints; nil when none were found (signatures are then not checked).
    public var publicKeys: PublicKeyring?
    /// Checkpoints kept outside the journal (a SIEM's copy): they detect truncation and rewriting.
    public var external: [Checkpoint]
    /// The journal's node; external checkpoints of other nodes are skipped.
    public var node: String?
    /// Where the journal's chain starts when older entries were archived (verified from the archive).
    public var start: (sequence: Int64, head: ChainHash, frontier: MerkleFrontier)?

    public init(
        publicKeys: PublicKeyring? = nil, external: [Checkpoint] = [], node: String? = nil,
        start: (sequence: Int64, head: ChainHash, frontier: MerkleFrontier)? = nil
    ) {
        self.publicKeys = publicKeys
        self.external = external
        self.node = node
        self.start = start
    }
}

/// A chain `verify` can walk: a node's SQLite journal, or one node's chain as shipped to PostgreSQL.
public protocol VerifiableChain: Sendable {
    /// Every `audit.checkpoint` entry in sequence order, with its checkpoint (nil when its fields do not form one).
    func checkpointEvents() async throws -> [(entry: JournalEntry, checkpoint: Checkpoint?)]
    /// Every entry after `sequence`, in sequence order, until `body` returns false.
    func scanChain(after sequence: Int64, pageSize: Int64, _ body: (ScannedEntry) throws -> Bool) async throws
}

extension JournalStore: VerifiableChain {}

/// `readaudit verify`: walks the journal in sequence order, checks every link, rebuilds the Merkle tree, and
/// holds the result to every signed checkpoint (the journal's own and external ones). Names the first bad
/// sequence number.
public enum JournalVerification {
    public static func verify(_ store: some VerifiableChain, evidence: VerificationEvidence = VerificationEvidence()) async throws -> VerificationResult {
        var problems: [ChainProblem] = []
        var notes: [String] = []
        // The checkpoints to hold the chain to, by the size they cover.
        var expected: [Int64: [(checkpoint: Checkpoint, origin: String)]] = [:]
        func consider(_ checkpoint: Checkpoint, origin: String, sequence: Int64) {
            if let keys = evidence.publicKeys {
                switch checkpoint.checkSignature(keys) {
                case .valid: break
                case .unknownKey:
                    problems.append(ChainProblem(
                        sequence: sequence, kind: .badCheckpoint,
                        message: "\(origin) is signed by key \(checkpoint.keyID), which is not among the trusted public keys"))
                    return
                case .badSignature:
                    problems.append(ChainProblem(
                        sequence: sequence, kind: .badCheckpoint, message: "\(origin) has an invalid signature; it was forged or altered"))
                    return
                }
            }
            if checkpoint.size > 0 { expected[checkpoint.size, default: []].append((checkpoint, origin)) }
        }
        for (entry, checkpoint) in try await store.checkpointEvents() {
            guard let checkpoint else {
                problems.append(ChainProblem(
                    sequence: entry.sequence, kind: .badCheckpoint, message: "the checkpoint event's fields do not form a checkpoint"))
                continue
            }
            consider(checkpoint, origin: "the checkpoint in entry \(entry.sequence)", sequence: entry.sequence)
        }
        var skipped = 0
        for checkpoint in evidence.external {
            if let node = evidence.node, checkpoint.node != node {
                skipped += 1
                continue
            }
            consider(checkpoint, origin: "the external checkpoint of \(checkpoint.size) entries signed at \(checkpoint.time)", sequence: checkpoint.size)
        }
        if skipped > 0 { notes.append("\(skipped) external checkpoint(s) of other nodes were skipped.") }
        if evidence.publicKeys == nil {
            notes.append("No public keys were given or found: checkpoint signatures were not checked.")
        }

        var verifier = ChainVerifier()
        var frontier = MerkleFrontier()
        if let start = evidence.start {
            verifier = ChainVerifier(after: start.sequence, head: start.head)
            frontier = start.frontier
        }
        var checked = 0
        var signedSize: Int64 = 0
        var chainProblem: ChainProblem?
        // Checkpoints over archived entries only: the one at the archive's end is checked here; older ones
        // were checked by signature above, and their segments by the archive's own checkpoints.
        if let start = evidence.start {
            var archivedOnly = 0
            for size in expected.keys where size <= start.sequence {
                for (checkpoint, origin) in expected.removeValue(forKey: size)! {
                    if size < start.sequence {
                        archivedOnly += 1
                    } else if checkpoint.head == start.head && checkpoint.root == start.frontier.root {
                        checked += 1
                        signedSize = max(signedSize, size)
                    } else {
                        problems.append(ChainProblem(
                            sequence: size, kind: .checkpointMismatch, message: "\(origin) does not match the archive's end; the archive was rewritten"))
                    }
                }
            }
            if archivedOnly > 0 { notes.append("\(archivedOnly) checkpoint(s) cover archived entries only: their signatures were checked.") }
        }
        do {
            try await store.scanChain(after: evidence.start?.sequence ?? Int64.min, pageSize: 16_384) { entry in
                if let found = verifier.check(entry) {
                    chainProblem = found
                    return false
                }
                frontier.append(leafHash: entry.leafHash)
                guard let due = expected.removeValue(forKey: entry.sequence) else { return true }
                let root = frontier.root
                for (checkpoint, origin) in due {
                    if checkpoint.head == entry.hash && checkpoint.root == root {
                        checked += 1
                        signedSize = max(signedSize, checkpoint.size)
                    } else {
                        problems.append(ChainProblem(
                            sequence: entry.sequence, kind: .checkpointMismatch,
                            message: "\(origin) states a different \(checkpoint.head == entry.hash ? "Merkle root" : "chain hash") for the first \(checkpoint.size) entries; the journal was rewritten"))
                    }
                }
                return true
            }
        } catch let unreadable as UnreadableEntry {
            chainProblem = ChainProblem(sequence: unreadable.sequence, kind: .unreadable, message: unreadable.detail)
        }
        if let chainProblem {
            problems.append(chainProblem)
        } else if let (size, due) = expected.filter({ $0.key > verifier.lastSequence }).max(by: { $0.key < $1.key }) {
            problems.append(ChainProblem(
                sequence: verifier.lastSequence + 1, kind: .truncated,
                message: "\(due[0].origin) covers \(size) entries, but the journal ends at \(verifier.lastSequence); its newest entries were removed"))
        }

        let problem = problems.min { first, second in first.sequence < second.sequence }
        return VerificationResult(
            verifiedCount: verifier.verifiedCount, head: verifier.head, problem: problem, checkpointsVerified: checked,
            signedSize: signedSize, notes: notes, frontier: frontier)
    }
}
