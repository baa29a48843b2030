import Foundation
import GRDB

/// One row of `archive_segments`: a segment file the journal wrote, verified and recorded before any of its
/// entries left `events`.
public struct ArchiveSegmentRecord: Sendable {
    public var first: Int64
    public var last: Int64
    /// File name inside the archive directory.
    public var file: String
    /// SHA-256 of the compressed file, lower-case hex.
    public var sha256: String
    public var entries: Int64
    public var firstTime: AuditTime
    public var lastTime: AuditTime
    /// Chain hash of entry `last`.
    public var lastHash: ChainHash
    /// Merkle frontier over entries 1 through `last` (where the next segment, or the hot chain, continues).
    public var frontier: MerkleFrontier
    /// The signed checkpoint over `last` entries that seals the segment.
    public var checkpoint: Checkpoint
    public var archivedAt: AuditTime
    /// The `audit.archive` event's id (chosen before it is appended, so a retry never appends it twice)
    /// and, once appended, its sequence.
    public var archiveEventID: EventID
    public var archiveEventSequence: Int64?
    /// When the segment was purged (its file deleted after `keepDays`), and its `audit.purge` event.
    public var deletedAt: AuditTime?
    public var purgeEventID: EventID?
    public var purgeEventSequence: Int64?

    /// The chain state after the segment.
    public var end: ArchiveChainState { ArchiveChainState(sequence: last, head: lastHash, frontier: frontier) }
}

extension JournalStore {
    /// Every recorded segment, purged or not, by first sequence.
    public func archiveSegments() async throws -> [ArchiveSegmentRecord] {
        try await pool.read { db in try Self.archiveSegments(db) }
    }

    static func archiveSegments(_ db: Database) throws -> [ArchiveSegmentRecord] {
        try Row.fetchAll(db, sql: """
            SELECT first, last, file, sha256, entries, first_time_us, last_time_us, last_hash, frontier, checkpoint, archived_us,
                archive_event_id, archive_event_seq, deleted_us, purge_event_id, purge_event_seq
            FROM archive_segments ORDER BY first
            """).map { row in
            let first: Int64 = row[0]
            func bad(_ what: String) -> ArchiveFileError { ArchiveFileError("archive_segments row \(first): \(what)") }
            guard let lastHash = Data.fromDatabaseValue(row[7] as DatabaseValue).flatMap({ ChainHash(bytes: Array($0)) }) else {
                throw bad("last_hash is not a hash")
            }
            let frontierText: String = row[8]
            guard case .array(let items)? = try? JSONParser.parse(Array(frontierText.utf8)) else { throw bad("frontier is not a list") }
            let subtrees = items.compactMap { item -> ChainHash? in
                if case .string(let text) = item { return ChainHash(hex: text) } else { return nil }
            }
            let last: Int64 = row[1]
            guard subtrees.count == items.count, let frontier = MerkleFrontier(size: last, subtrees: subtrees) else {
                throw bad("frontier does not match its size")
            }
            let checkpointText: String = row[9]
            guard let checkpointJSON = try? JSONParser.parse(Array(checkpointText.utf8)), let checkpoint = try? Checkpoint(json: checkpointJSON)
            else { throw bad("checkpoint is not a checkpoint") }
            guard let archiveEventID = EventID(rawValue: row[11]) else { throw bad("archive_event_id is not an event id") }
            let deleted: Int64? = row[13]
            let purgeID: String? = row[14]
            return ArchiveSegmentRecord(
                first: first, last: last, file: row[2], sha256: row[3], entries: row[4], firstTime: AuditTime(microseconds: row[5]),
                lastTime: AuditTime(microseconds: row[6]), lastHash: lastHash, frontier: frontier, checkpoint: checkpoint,
                archivedAt: AuditTime(microseconds: row[10]), archiveEventID: archiveEventID, archiveEventSequence: row[12],
                deletedAt: deleted.map(AuditTime.init(microseconds:)), purgeEventID: purgeID.flatMap(EventID.init(rawValue:)),
                purgeEventSequence: row[15])
        }
    }

    /// The highest sequence held by a recorded segment, 0 when nothing is archived.
    public func archivedThrough() async throws -> Int64 {
        try await pool.read { db in try Self.archivedThrough(db) }
    }

    static func archivedThrough(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(last), 0) FROM archive_segments") ?? 0
    }

    /// Records a segment (before any of its entries may be deleted: the DELETE trigger checks this table).
    func recordArchiveSegment(_ record: ArchiveSegmentRecord) async throws {
        var frontierJSON = JSONText(capacity: 64 * 20)
        frontierJSON.stringArray(record.frontier.subtrees.map(\.hex))
        let frontier = frontierJSON.string
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO archive_segments (first, last, file, sha256, entries, first_time_us, last_time_us, last_hash, frontier,
                        checkpoint, archived_us, archive_event_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.first, record.last, record.file, record.sha256, record.entries, record.firstTime.microseconds,
                    record.lastTime.microseconds, Data(record.lastHash.bytes), frontier, record.checkpoint.json.string,
                    record.archivedAt.microseconds, record.archiveEventID.rawValue,
                ])
        }
    }

    /// Deletes at most `batch` archived entries, oldest first, up to `last`, in one short transaction.
    /// Returns how many it deleted (0 when none are left).
    func deleteArchivedEvents(through last: Int64, batch: Int) async throws -> Int {
        try await pool.write { db in
            guard let oldest = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM events"), oldest <= last else { return 0 }
            try db.execute(sql: "DELETE FROM events WHERE seq >= ? AND seq <= ?", arguments: [oldest, min(last, oldest + Int64(batch) - 1)])
            return db.changesCount
        }
    }

    /// The lowest sequence still in `events`, nil when it is empty.
    func oldestSequence() async throws -> Int64? {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT min(seq) FROM events") }
    }

    /// The first sequence after `sequence` whose event time is `time` or later (the start of the hot window).
    func firstSequence(after sequence: Int64, notBefore time: AuditTime) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT seq FROM events WHERE seq > ? AND time_us >= ? ORDER BY seq LIMIT 1", arguments: [sequence, time.microseconds])
        }
    }

    /// Earliest and latest event time of entries `first ... last`.
    func timeRange(first: Int64, last: Int64) async throws -> (AuditTime, AuditTime)? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT min(time_us), max(time_us) FROM events WHERE seq >= ? AND seq <= ?", arguments: [first, last]),
                let earliest = row[0] as Int64?, let latest = row[1] as Int64?
            else { return nil }
            return (AuditTime(microseconds: earliest), AuditTime(microseconds: latest))
        }
    }

    /// Every persisted cursor (sinks and the detector), by name.
    public func cursors() async throws -> [String: Int64] {
        try await pool.read { db in
            var cursors: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT sink, seq FROM sink_cursors") { cursors[row[0]] = row[1] }
            return cursors
        }
    }

    /// The sequence of the event with id `id`, if the journal holds it.
    func sequence(ofEvent id: EventID) async throws -> Int64? {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM events WHERE id = ?", arguments: [id.rawValue]) }
    }

    func setArchiveEventSequence(first: Int64, sequence: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE archive_segments SET archive_event_seq = ? WHERE first = ?", arguments: [sequence, first])
        }
    }

    /// Records the decision to purge a segment (before its file is deleted), with its event's id.
    func markPurged(first: Int64, at time: AuditTime, eventID: EventID) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE archive_segments SET deleted_us = ?, purge_event_id = ? WHERE first = ? AND deleted_us IS NULL",
                arguments: [time.microseconds, eventID.rawValue, first])
        }
    }

    func setPurgeEventSequence(first: Int64, sequence: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE archive_segments SET purge_event_seq = ? WHERE first = ?", arguments: [sequence, first])
        }
    }

    /// Runs `body` with the journal's Merkle tree, whose archived leaves come from `archive` (proofs of
    /// archived entries; hot entries never need them).
    public func withMerkleTree<T: Sendable>(archive: ArchiveReader, _ body: @Sendable @escaping (JournalMerkleSource) throws -> T) async throws -> T {
        let loader = archive.leafLoader
        return try await pool.read { db in try body(JournalMerkleSource(db: db, archivedLeaves: loader)) }
    }
}
