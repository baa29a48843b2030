import Foundation

/// Where a verified chain ends: the last sequence, its chain hash, and the Merkle frontier over entries
/// 1 through `sequence`. `verify` continues the hot journal's chain from here.
public struct ArchiveChainState: Sendable {
    public var sequence: Int64
    public var head: ChainHash
    public var frontier: MerkleFrontier

    public init(sequence: Int64, head: ChainHash, frontier: MerkleFrontier) {
        self.sequence = sequence
        self.head = head
        self.frontier = frontier
    }

    /// The state before the first entry.
    public static var genesis: ArchiveChainState { ArchiveChainState(sequence: 0, head: .genesis, frontier: MerkleFrontier()) }
}

/// A segment file that verified on its own: its header, where its chain ends, and the file's SHA-256.
public struct VerifiedSegment: Sendable {
    public var path: String
    public var header: ArchiveHeader
    /// SHA-256 of the compressed file, lower-case hex.
    public var sha256: String
    /// The chain and tree after its last entry.
    public var end: ArchiveChainState
    public var fileName: String { (path as NSString).lastPathComponent }
}

/// Checks archive segment files offline, with nothing but the files and the trusted public keys.
///
/// For each segment: the header is well formed and matches the file's name; the checkpoint is signed by a
/// trusted key over `size == last`; every line is an entry that hashes to its own hash, the sequence runs
/// from `first` to `last` without a gap, and each entry links to the one before it, starting from the
/// header's `prevHash`; the last entry's hash is the checkpoint's head; the Merkle root rebuilt from the
/// header's prefix frontier plus the entries' leaves is the checkpoint's root; the header's times are the
/// entries' earliest and latest. Consecutive segments must link: the next one starts at `last + 1`, with the
/// previous segment's last hash and Merkle frontier.
public enum ArchiveVerification {
    /// The result of checking one segment file.
    public struct SegmentResult: Sendable {
        public var segment: VerifiedSegment?
        public var problem: ArchiveProblem?
    }

    /// Verifies one segment file on its own (links to other segments are `verifyAll`'s).
    public static func verify(segmentFile path: String, publicKeys: PublicKeyring) -> SegmentResult {
        let name = (path as NSString).lastPathComponent
        var checker: SegmentChecker?
        var problem: ArchiveProblem?
        var expected: Int64 = 0
        do {
            let sha = try GzipLineReader.read(path: path) { number, line in
                if number == 1 {
                    do {
                        let header = try ArchiveHeader(line: line)
                        if let found = SegmentChecker.checkHeader(header, fileName: name, publicKeys: publicKeys) {
                            problem = found
                            return false
                        }
                        checker = SegmentChecker(header: header, fileName: name)
                        expected = header.first
                    } catch {
                        problem = ArchiveProblem(file: name, sequence: nil, kind: .unreadable, message: "line 1: \(error)")
                        return false
                    }
                    return true
                }
                problem = checker!.check(line: line)
                expected = checker!.expected
                return problem == nil
            }
            if problem == nil {
                guard var finished = checker, let sha else {
                    return SegmentResult(problem: ArchiveProblem(file: name, sequence: nil, kind: .unreadable, message: "the file is empty"))
                }
                if let found = finished.finish() { return SegmentResult(problem: found) }
                return SegmentResult(segment: VerifiedSegment(path: path, header: finished.header, sha256: sha, end: finished.end))
            }
        } catch {
            problem = problem
                ?? ArchiveProblem(file: name, sequence: checker == nil ? nil : expected, kind: .unreadable, message: "\(error)")
        }
        return SegmentResult(problem: problem)
    }

    /// The result of checking several segment files as one archive.
    public struct Report: Sendable {
        /// Segments that verified, in chain order, before the first problem.
        public var segments: [VerifiedSegment]
        public var problem: ArchiveProblem?
        /// Where each node's archived chain ends (the last verified segment of each node).
        public var ends: [String: ArchiveChainState]
        public var isIntact: Bool { problem == nil }
        /// Entries verified.
        public var entryCount: Int64 { segments.reduce(0) { $0 + $1.header.entryCount } }
    }

    /// Verifies every segment file in `directory` (by name) as one archive.
    public static func verifyAll(directory: String, publicKeys: PublicKeyring) throws -> Report {
        verifyAll(files: try ArchiveSegmentName.files(in: directory), publicKeys: publicKeys)
    }

    /// Verifies `files` as one archive: each on its own, then the links between consecutive segments of a
    /// node. A node's first segment may start after sequence 1 (older ones purged by retention).
    public static func verifyAll(files: [String], publicKeys: PublicKeyring) -> Report {
        var report = Report(segments: [], problem: nil, ends: [:])
        var verified: [VerifiedSegment] = []
        for path in files {
            let result = verify(segmentFile: path, publicKeys: publicKeys)
            if let problem = result.problem {
                report.problem = problem
                break
            }
            verified.append(result.segment!)
        }
        // Chain order: by node, then first sequence.
        verified.sort { ($0.header.node, $0.header.first) < ($1.header.node, $1.header.first) }
        for segment in verified {
            if let previous = report.ends[segment.header.node], let problem = link(segment, after: previous) {
                report.problem = report.problem ?? problem
                break
            }
            report.segments.append(segment)
            report.ends[segment.header.node] = segment.end
        }
        return report
    }

    /// Does `segment` continue the chain that ends at `previous`? Nil when it does.
    public static func link(_ segment: VerifiedSegment, after previous: ArchiveChainState) -> ArchiveProblem? {
        let header = segment.header
        if header.first > previous.sequence + 1 {
            return ArchiveProblem(
                file: segment.fileName, sequence: previous.sequence + 1, kind: .missingSegment,
                message: "entries \(previous.sequence + 1) to \(header.first - 1) are in no segment; a segment was deleted")
        }
        if header.first < previous.sequence + 1 {
            return ArchiveProblem(
                file: segment.fileName, sequence: header.first, kind: .brokenLink,
                message: "the segment starts at \(header.first) but the one before it ends at \(previous.sequence); segments overlap")
        }
        if header.prevHash != previous.head || header.prefixFrontier != previous.frontier.subtrees {
            return ArchiveProblem(
                file: segment.fileName, sequence: header.first, kind: .brokenLink,
                message: "the segment does not link to the one before it (previous hash or Merkle frontier differ)")
        }
        return nil
    }
}

/// Checks one segment's entries as they stream by. Pure.
struct SegmentChecker {
    let header: ArchiveHeader
    let fileName: String
    private(set) var expected: Int64
    private var previous: ChainHash
    private var frontier: MerkleFrontier
    private var earliest = AuditTime(microseconds: .max)
    private var latest = AuditTime(microseconds: .min)

    init(header: ArchiveHeader, fileName: String) {
        self.header = header
        self.fileName = fileName
        expected = header.first
        previous = header.prevHash
        frontier = MerkleFrontier(size: header.first - 1, subtrees: header.prefixFrontier)!
    }

    var end: ArchiveChainState { ArchiveChainState(sequence: expected - 1, head: previous, frontier: frontier) }

    /// Checks the header on its own: shape, name, start, and the checkpoint's signature.
    static func checkHeader(_ header: ArchiveHeader, fileName: String, publicKeys: PublicKeyring) -> ArchiveProblem? {
        func problem(_ kind: ArchiveProblem.Kind, _ message: String) -> ArchiveProblem {
            ArchiveProblem(file: fileName, sequence: nil, kind: kind, message: message)
        }
        if let named = ArchiveSegmentName.range(of: fileName), named.first != header.first || named.last != header.last {
            return problem(.headerMismatch, "the file is named for entries \(named.first) to \(named.last) but holds \(header.first) to \(header.last)")
        }
        guard MerkleFrontier(size: header.first - 1, subtrees: header.prefixFrontier) != nil else {
            return problem(.headerMismatch, "the prefix frontier does not have one hash per complete subtree of \(header.first - 1) entries")
        }
        if header.first == 1 && header.prevHash != .genesis {
            return problem(.brokenLink, "the first segment does not start from the genesis hash")
        }
        let checkpoint = header.checkpoint
        guard checkpoint.size == header.last, checkpoint.node == header.node else {
            return problem(.checkpointMismatch, "the checkpoint covers \(checkpoint.node) size \(checkpoint.size), not \(header.node) size \(header.last)")
        }
        switch checkpoint.checkSignature(publicKeys) {
        case .valid: return nil
        case .unknownKey:
            return problem(.unknownKey, "the checkpoint is signed by key \(checkpoint.keyID), which is not among the trusted public keys")
        case .badSignature:
            return problem(.badSignature, "the checkpoint's signature does not match its statement (key \(checkpoint.keyID))")
        }
    }

    /// Checks the next entry line.
    mutating func check(line: ArraySlice<UInt8>) -> ArchiveProblem? {
        func problem(_ sequence: Int64, _ kind: ArchiveProblem.Kind, _ message: String) -> ArchiveProblem {
            ArchiveProblem(file: fileName, sequence: sequence, kind: kind, message: message)
        }
        let entry: JournalEntry
        do {
            entry = try JournalEntry(exportJSON: try JSONParser.parse(Array(line)))
        } catch let error as JSONParser.Failure {
            return problem(expected, .unreadable, "not a JSON entry: \(error.reason)")
        } catch {
            return problem(expected, .unreadable, "\(error)")
        }
        if entry.sequence != expected {
            if entry.sequence > expected {
                return problem(expected, .missingSequence, "expected sequence \(expected) but the next entry is \(entry.sequence); entries were deleted")
            }
            return problem(expected, .brokenLink, "expected sequence \(expected) but found \(entry.sequence) again; entries were reordered or duplicated")
        }
        if expected > header.last {
            return problem(expected, .headerMismatch, "the segment holds entries after its last, \(header.last)")
        }
        guard entry.verifiesItself else {
            return problem(expected, .contentsAltered, "the entry's hash does not match its contents or position; the entry was edited or moved")
        }
        guard entry.previousHash == previous else {
            return problem(expected, .brokenLink, "previous-hash link does not match entry \(expected - 1); entries were deleted, inserted or reordered")
        }
        previous = entry.hash
        frontier.append(leafHash: MerkleTree.leafHash(entryHash: entry.hash))
        earliest = min(earliest, entry.event.time)
        latest = max(latest, entry.event.time)
        expected += 1
        return nil
    }

    /// Checks what only the whole segment shows: completeness, the checkpoint's head and root, the times.
    mutating func finish() -> ArchiveProblem? {
        if expected <= header.last {
            return ArchiveProblem(
                file: fileName, sequence: expected, kind: .missingSequence,
                message: "the segment ends before its last entry, \(header.last); entries were removed or the file was cut short")
        }
        let checkpoint = header.checkpoint
        guard previous == checkpoint.head else {
            return ArchiveProblem(
                file: fileName, sequence: header.last, kind: .checkpointMismatch,
                message: "the last entry's hash is not the signed checkpoint's head; the entries were rewritten")
        }
        guard frontier.root == checkpoint.root else {
            return ArchiveProblem(
                file: fileName, sequence: header.last, kind: .checkpointMismatch,
                message: "the Merkle root over the entries is not the signed checkpoint's root; the entries or the prefix frontier were rewritten")
        }
        guard earliest == header.firstTime, latest == header.lastTime else {
            return ArchiveProblem(
                file: fileName, sequence: nil, kind: .headerMismatch,
                message: "the header's times are not the earliest and latest entry times (\(earliest) to \(latest))")
        }
        return nil
    }
}
