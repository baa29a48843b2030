import Foundation
import GRDB

/// How far a journal's archived history verified: the chain state after it, for `verify` to continue the
/// hot chain from.
public struct VerifiedPrefix: Sendable {
    /// After the last archived entry (sequence 0, the genesis hash and the empty frontier when nothing is archived).
    public var state: ArchiveChainState
    /// Segments verified from their files.
    public var verifiedSegments: Int
    /// Segments purged under retention, taken from the journal's records (their signed checkpoints checked).
    public var purgedSegments: Int
    /// The first problem; `state` is then where the archive last verified.
    public var problem: ArchiveProblem?

    public var sequence: Int64 { state.sequence }
    public var head: ChainHash { state.head }
    public var frontier: MerkleFrontier { state.frontier }
    public var isIntact: Bool { problem == nil }
}

/// The whole journal verified: archived prefix, then the hot chain continuing from it.
public struct JournalArchiveVerification: Sendable {
    public var prefix: VerifiedPrefix
    /// The hot chain after the prefix (nil when the prefix already failed). `verifiedCount` counts hot entries.
    public var hot: VerificationResult?
    /// The Merkle frontier after the last verified entry.
    public var frontier: MerkleFrontier

    /// The first problem, in the chain's terms.
    public var problem: ChainProblem? { prefix.problem?.chainProblem ?? hot?.problem }
    public var isIntact: Bool { problem == nil }
    /// Entries verified, archived and hot.
    public var verifiedCount: Int64 { prefix.sequence + (hot?.verifiedCount ?? 0) }
}

extension ArchiveVerification {
    /// Verifies the journal's archived history: every segment `archive_segments` records, in order. A live
    /// segment's file must exist in `directory`, be the file archived (SHA-256), verify on its own and link
    /// to the segment before; a purged one (file deleted after `keepDays`) contributes its recorded end
    /// state, which its signed checkpoint must match.
    public static func verifiedPrefix(store: JournalStore, directory: String, publicKeys: PublicKeyring) async throws -> VerifiedPrefix {
        var prefix = VerifiedPrefix(state: .genesis, verifiedSegments: 0, purgedSegments: 0, problem: nil)
        for record in try await store.archiveSegments() {
            func problem(_ sequence: Int64?, _ kind: ArchiveProblem.Kind, _ message: String) -> ArchiveProblem {
                ArchiveProblem(file: record.file, sequence: sequence, kind: kind, message: message)
            }
            let expected = prefix.state.sequence + 1
            guard record.first == expected else {
                prefix.problem = problem(
                    expected, record.first > expected ? .missingSegment : .brokenLink,
                    "the journal records a segment from \(record.first), but the archive before it ends at \(expected - 1)")
                return prefix
            }
            if record.deletedAt != nil {
                let checkpoint = record.checkpoint
                switch checkpoint.checkSignature(publicKeys) {
                case .valid: break
                case .unknownKey:
                    prefix.problem = problem(nil, .unknownKey, "the purged segment's checkpoint is signed by an unknown key \(checkpoint.keyID)")
                    return prefix
                case .badSignature:
                    prefix.problem = problem(nil, .badSignature, "the purged segment's checkpoint signature does not match")
                    return prefix
                }
                guard checkpoint.size == record.last, checkpoint.head == record.lastHash, checkpoint.root == record.frontier.root else {
                    prefix.problem = problem(record.last, .checkpointMismatch, "the journal's record of the purged segment does not match its signed checkpoint")
                    return prefix
                }
                prefix.state = record.end
                prefix.purgedSegments += 1
                continue
            }
            let path = (directory as NSString).appendingPathComponent(record.file)
            guard FileManager.default.fileExists(atPath: path) else {
                prefix.problem = problem(record.first, .missingSegment, "the journal archived entries \(record.first) to \(record.last) here; the file is gone")
                return prefix
            }
            let result = verify(segmentFile: path, publicKeys: publicKeys)
            if let found = result.problem {
                prefix.problem = found
                return prefix
            }
            let segment = result.segment!
            if let found = link(segment, after: prefix.state) {
                prefix.problem = found
                return prefix
            }
            guard segment.sha256 == record.sha256, segment.header.last == record.last else {
                prefix.problem = problem(record.first, .missingSegment, "the file is not the one archived (its SHA-256 or range differs from the journal's record)")
                return prefix
            }
            prefix.state = segment.end
            prefix.verifiedSegments += 1
        }
        return prefix
    }

    /// Verifies the archived prefix, then the hot chain after it with every signed checkpoint (internal and
    /// `external`): what `readaudit verify` and the admin API do on a journal with archives.
    public static func verifyJournal(
        store: JournalStore, directory: String, publicKeys: PublicKeyring, external: [Checkpoint] = [], node: String? = nil
    ) async throws -> JournalArchiveVerification {
        let prefix = try await verifiedPrefix(store: store, directory: directory, publicKeys: publicKeys)
        guard prefix.isIntact else { return JournalArchiveVerification(prefix: prefix, hot: nil, frontier: prefix.frontier) }
        let evidence = VerificationEvidence(
            publicKeys: publicKeys, external: external, node: node, start: (prefix.sequence, prefix.head, prefix.frontier))
        let hot = try await JournalVerification.verify(store, evidence: evidence)
        return JournalArchiveVerification(prefix: prefix, hot: hot, frontier: hot.frontier)
    }
}

extension JournalVerification {
    /// The whole journal: its archived prefix (segments in `archiveDirectory`, when any were made), then the
    /// hot chain with every checkpoint. Archives need the public keys: without them this reports a problem.
    public static func verify(_ store: JournalStore, evidence: VerificationEvidence, archiveDirectory: String) async throws -> VerificationResult {
        guard try await !store.archiveSegments().isEmpty else { return try await verify(store, evidence: evidence) }
        guard let keys = evidence.publicKeys else {
            return VerificationResult(
                verifiedCount: 0, head: .genesis,
                problem: ChainProblem(sequence: 1, kind: .badCheckpoint, message: "entries were archived; checking the archive needs the public keys (--public-keys)"))
        }
        let whole = try await ArchiveVerification.verifyJournal(
            store: store, directory: archiveDirectory, publicKeys: keys, external: evidence.external, node: evidence.node)
        let prefix = whole.prefix
        var result = whole.hot ?? VerificationResult(verifiedCount: 0, head: prefix.head, problem: whole.problem)
        result.verifiedCount += prefix.sequence
        result.notes.append(
            "Entries 1 to \(prefix.sequence) are archived: \(prefix.verifiedSegments) segment(s) verified from their files, \(prefix.purgedSegments) purged after retention (their signed checkpoints checked).")
        return result
    }
}
