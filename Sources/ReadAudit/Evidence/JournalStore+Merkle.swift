import Foundation
import GRDB

/// The Merkle tree over a journal's entries, read from one database connection.
///
/// Complete subtrees of 256 and 65,536 leaves come from `merkle_nodes` when stored and are computed from
/// below when not; smaller ones from the entries' chain hashes. Any subtree costs at most 256 row reads.
public struct JournalMerkleSource: MerkleSubtreeSource {
    let db: Database
    /// Leaf hashes the `events` table no longer holds (archived entries), or nil when unknown.
    let archivedLeaves: (@Sendable (_ first: Int64, _ count: Int64) throws -> [ChainHash]?)?
    /// Blocks of 256 leaves or tier nodes already read: a proof's siblings below one level share a block, so
    /// a whole audit path costs a handful of queries instead of one per sibling.
    private let cache = BlockCache()

    public init(db: Database, archivedLeaves: (@Sendable (_ first: Int64, _ count: Int64) throws -> [ChainHash]?)? = nil) {
        self.db = db
        self.archivedLeaves = archivedLeaves
    }

    final class BlockCache {
        var leaves: [Int64: [ChainHash]] = [:]
        var nodes: [Int: [Int64: [ChainHash?]]] = [:]
    }

    static let tiers = [16, 8]

    public func subtreeHash(level: Int, index: Int64) throws -> ChainHash {
        for tier in Self.tiers where level >= tier { return try fold(level: level, index: index, from: tier) }
        return MerkleTree.foldComplete(try leafHashes(first: index << level, count: Int64(1) << level))
    }

    /// A complete subtree at `level` from its nodes at `tier`, stored or (when missing) computed from below.
    private func fold(level: Int, index: Int64, from tier: Int) throws -> ChainHash {
        let count = Int64(1) << (level - tier)
        let first = index << (level - tier)
        var nodes = try stored(tier: tier, first: first, count: count)
        for position in nodes.indices where nodes[position] == nil {
            let node = first + Int64(position)
            nodes[position] = tier == 16
                ? try fold(level: 16, index: node, from: 8)
                : MerkleTree.foldComplete(try leafHashes(first: node << 8, count: 256))
        }
        return MerkleTree.foldComplete(nodes.map { $0! })
    }

    private func stored(tier: Int, first: Int64, count: Int64) throws -> [ChainHash?] {
        let block = first >> 8
        if count <= 256, (first + count - 1) >> 8 == block {
            let nodes = try cache.nodes[tier]?[block] ?? {
                let read = try storedRange(tier: tier, first: block << 8, count: 256)
                cache.nodes[tier, default: [:]][block] = read
                return read
            }()
            let offset = Int(first - (block << 8))
            return Array(nodes[offset..<(offset + Int(count))])
        }
        return try storedRange(tier: tier, first: first, count: count)
    }

    private func storedRange(tier: Int, first: Int64, count: Int64) throws -> [ChainHash?] {
        var nodes = [ChainHash?](repeating: nil, count: Int(count))
        let statement = try db.cachedStatement(sql: "SELECT idx, hash FROM merkle_nodes WHERE level = ? AND idx >= ? AND idx < ?")
        let rows = try Row.fetchCursor(statement, arguments: [tier, first, first + count])
        while let row = try rows.next() {
            let index: Int64 = row[0]
            guard let data = Data.fromDatabaseValue(row[1] as DatabaseValue), let hash = ChainHash(bytes: Array(data)) else { continue }
            nodes[Int(index - first)] = hash
        }
        return nodes
    }

    /// Leaf hashes of leaves `first ..< first + count` (entries `first + 1 ... first + count`).
    public func leafHashes(first: Int64, count: Int64) throws -> [ChainHash] {
        let block = first >> 8
        if count <= 256, (first + count - 1) >> 8 == block {
            let leaves = try cache.leaves[block] ?? {
                // The block's leaves that exist (the newest block may be partial).
                let read = try presentLeaves(first: block << 8, count: 256)
                cache.leaves[block] = read
                return read
            }()
            let offset = Int(first - (block << 8))
            if offset + Int(count) <= leaves.count { return Array(leaves[offset..<(offset + Int(count))]) }
        }
        let leaves = try presentLeaves(first: first, count: count)
        if leaves.count == Int(count) { return leaves }
        if let archivedLeaves, let archived = try archivedLeaves(first, count), archived.count == Int(count) { return archived }
        throw MerkleError.missingLeaves(first: first, count: count)
    }

    /// The leaf hashes of the contiguous entries from `first + 1` on, up to `count` of them.
    private func presentLeaves(first: Int64, count: Int64) throws -> [ChainHash] {
        var leaves = [ChainHash]()
        leaves.reserveCapacity(Int(count))
        let statement = try db.cachedStatement(sql: "SELECT seq, hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq")
        let rows = try Row.fetchCursor(statement, arguments: [first, first + count])
        var expected = first + 1
        while let row = try rows.next() {
            let sequence: Int64 = row[0]
            guard sequence == expected, let data = Data.fromDatabaseValue(row[1] as DatabaseValue), let hash = ChainHash(bytes: Array(data))
            else { break }
            leaves.append(MerkleTree.leafHash(entryHash: hash))
            expected += 1
        }
        return leaves
    }
}

extension JournalStore {
    /// Stores the tree's complete 256- and 65,536-leaf subtrees up to the head that are not stored yet, in
    /// short write transactions (the journal's writer never waits long). Returns how many nodes it added.
    @discardableResult
    public func extendMerkleIndex(through head: Int64? = nil) async throws -> Int {
        let limit: Int64
        if let head { limit = head } else { limit = try await headSequence() }
        var added = 0
        for tier in [8, 16] {
            let complete = limit >> tier
            let next: Int64 = try await pool.read { db in
                (try Int64.fetchOne(db, sql: "SELECT max(idx) FROM merkle_nodes WHERE level = ?", arguments: [tier])).map { $0 + 1 } ?? 0
            }
            var index = next
            while index < complete {
                let batchEnd = min(complete, index + (tier == 8 ? 64 : 1))
                let start = index
                let nodes: [(Int64, ChainHash)] = try await pool.read { db in
                    let source = JournalMerkleSource(db: db)
                    return try (start..<batchEnd).map { ($0, try source.subtreeHash(level: tier, index: $0)) }
                }
                try await pool.write { db in
                    let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")
                    for (index, hash) in nodes { try insert.execute(arguments: [tier, index, Data(hash.bytes)]) }
                }
                added += nodes.count
                index = batchEnd
            }
        }
        return added
    }

    /// The chain hash of entry `sequence`, the genesis hash for 0.
    public func chainHash(at sequence: Int64) async throws -> ChainHash? {
        if sequence == 0 { return .genesis }
        return try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT hash FROM events WHERE seq = ?", arguments: [sequence]).flatMap { ChainHash(bytes: Array($0)) }
        }
    }

    /// Runs `body` with the journal's Merkle tree in one read transaction (a consistent snapshot).
    public func withMerkleTree<T: Sendable>(_ body: @Sendable @escaping (JournalMerkleSource) throws -> T) async throws -> T {
        try await pool.read { db in try body(JournalMerkleSource(db: db)) }
    }

    /// Every `audit.checkpoint` event in the journal, oldest first, with the checkpoint it publishes (nil when
    /// the event's fields do not form one).
    public func checkpointEvents() async throws -> [(entry: JournalEntry, checkpoint: Checkpoint?)] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.columns) FROM events WHERE action = ? ORDER BY seq", arguments: [AuditAction.auditCheckpoint.rawValue]
            ).map { row in
                let entry = try Self.entry(from: row)
                return (entry, try? Checkpoint(event: entry.event))
            }
        }
    }

    /// The entry with event id `id`, if the journal holds it.
    public func entry(id: EventID) async throws -> JournalEntry? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM events WHERE id = ?", arguments: [id.rawValue]).map(Self.entry(from:))
        }
    }
}

