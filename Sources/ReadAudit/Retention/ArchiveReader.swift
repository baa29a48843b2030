import Foundation
import Synchronization

/// Reads archived entries back from segment files: by time range and predicate (reports), or by sequence
/// (leaf hashes for Merkle proofs of archived entries). It trusts the files; `ArchiveVerification` checks them.
public final class ArchiveReader: Sendable {
    /// A segment file and what it covers.
    public struct Segment: Sendable {
        public var path: String
        public var first: Int64
        public var last: Int64
        public var firstTime: AuditTime
        public var lastTime: AuditTime

        public init(path: String, first: Int64, last: Int64, firstTime: AuditTime, lastTime: AuditTime) {
            self.path = path
            self.first = first
            self.last = last
            self.firstTime = firstTime
            self.lastTime = lastTime
        }
    }

    public let segments: [Segment]
    /// The last segment read for leaf hashes (proofs read many small ranges of one segment).
    private let leafCache = Mutex<(path: String, first: Int64, leaves: [ChainHash])?>(nil)

    public init(segments: [Segment]) {
        self.segments = segments.sorted { $0.first < $1.first }
    }

    /// The segments the journal recorded and has not purged, in `directory`.
    public convenience init(store: JournalStore, directory: String) async throws {
        let records = try await store.archiveSegments()
        self.init(records: records, directory: directory)
    }

    /// The live segments among `records`, in `directory`.
    public convenience init(records: [ArchiveSegmentRecord], directory: String) {
        self.init(segments: records.filter { $0.deletedAt == nil }.map { record in
            Segment(
                path: (directory as NSString).appendingPathComponent(record.file), first: record.first, last: record.last,
                firstTime: record.firstTime, lastTime: record.lastTime)
        })
    }

    /// Every segment file in `directory`, described by its header line (offline: no journal needed).
    public convenience init(scanning directory: String) throws {
        var segments: [Segment] = []
        for path in try ArchiveSegmentName.files(in: directory) {
            var header: ArchiveHeader?
            try GzipLineReader.read(path: path) { _, line in
                header = try ArchiveHeader(line: line)
                return false
            }
            if let header {
                segments.append(Segment(path: path, first: header.first, last: header.last, firstTime: header.firstTime, lastTime: header.lastTime))
            }
        }
        self.init(segments: segments)
    }

    /// Calls `body` with each entry of the segment file at `path`, in sequence order, until it returns false.
    public static func forEachEntry(inSegment path: String, _ body: (JournalEntry) throws -> Bool) throws {
        try GzipLineReader.read(path: path) { number, line in
            if number == 1 { return true }
            let entry: JournalEntry
            do {
                entry = try JournalEntry(exportJSON: try JSONParser.parse(Array(line)))
            } catch {
                throw ArchiveFileError("\((path as NSString).lastPathComponent) line \(number): \(error)")
            }
            return try body(entry)
        }
    }

    /// Archived entries with `from <= time < to` for which `predicate` holds, in (time, sequence) order.
    /// Opens only the segments whose time span overlaps the range.
    public func entries(
        from: AuditTime?, to: AuditTime?, through last: Int64 = .max, where predicate: (JournalEntry) -> Bool
    ) throws -> [JournalEntry] {
        let lower = from ?? AuditTime(microseconds: .min)
        let upper = to ?? AuditTime(microseconds: .max)
        var found: [JournalEntry] = []
        for segment in segments where segment.lastTime >= lower && segment.firstTime < upper && segment.first <= last {
            try Self.forEachEntry(inSegment: segment.path) { entry in
                if entry.sequence <= last && entry.event.time >= lower && entry.event.time < upper && predicate(entry) {
                    found.append(entry)
                }
                return true
            }
        }
        return found.sorted { ($0.event.time, $0.sequence) < ($1.event.time, $1.sequence) }
    }

    /// Leaf hashes of leaves `first ..< first + count` (entries `first + 1 ... first + count`) from the
    /// segments; nil when they do not hold all of them. What `JournalMerkleSource.archivedLeaves` asks.
    public func leafHashes(first: Int64, count: Int64) throws -> [ChainHash]? {
        var leaves: [ChainHash] = []
        var next = first + 1
        let end = first + count
        while next <= end {
            guard let segment = segments.first(where: { $0.first <= next && next <= $0.last }) else { return nil }
            let segmentLeaves = try loadLeaves(of: segment)
            let upto = min(end, segment.last)
            leaves.append(contentsOf: segmentLeaves[Int(next - segment.first)...Int(upto - segment.first)])
            next = upto + 1
        }
        return leaves
    }

    /// The closure `JournalMerkleSource(db:archivedLeaves:)` takes.
    public var leafLoader: @Sendable (_ first: Int64, _ count: Int64) throws -> [ChainHash]? {
        { [self] first, count in try self.leafHashes(first: first, count: count) }
    }

    private func loadLeaves(of segment: Segment) throws -> [ChainHash] {
        if let cached = leafCache.withLock({ $0 }), cached.path == segment.path { return cached.leaves }
        var leaves: [ChainHash] = []
        leaves.reserveCapacity(Int(segment.last - segment.first + 1))
        try Self.forEachEntry(inSegment: segment.path) { entry in
            guard entry.sequence == segment.first + Int64(leaves.count) else {
                throw ArchiveFileError("\((segment.path as NSString).lastPathComponent): sequence \(entry.sequence) is out of order")
            }
            leaves.append(MerkleTree.leafHash(entryHash: entry.hash))
            return true
        }
        guard leaves.count == Int(segment.last - segment.first + 1) else {
            throw ArchiveFileError("\((segment.path as NSString).lastPathComponent) holds \(leaves.count) entries, not \(segment.last - segment.first + 1)")
        }
        leafCache.withLock { $0 = (segment.path, segment.first, leaves) }
        return leaves
    }
}
