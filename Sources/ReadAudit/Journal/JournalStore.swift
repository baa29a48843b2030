import Foundation
import GRDB

/// The SQLite file behind the journal: schema, durable batch inserts, reads, sink cursors.
///
/// Every write goes through GRDB's single writer connection with `synchronous=FULL`, so a commit that
/// returns has been fsync'd. The chain head is read inside each write transaction, so another process
/// appending to the same file (the CLI recording a verification) can never fork the chain.
public final class JournalStore: Sendable {
    /// The GRDB pool (one writer connection, concurrent readers). Public for tests and tooling.
    public let pool: DatabasePool
    /// Path of the SQLite file.
    public let path: String

    /// Opens (creating if needed) the journal at `path` and brings its schema up to date.
    public init(path: String, busyTimeout: Duration = .seconds(2), readOnly: Bool = false) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(Double(busyTimeout.components.seconds) + Double(busyTimeout.components.attoseconds) / 1e18)
        configuration.readonly = readOnly
        configuration.label = "readaudit.journal"
        pool = try DatabasePool(path: path, configuration: configuration)
        if !readOnly {
            // GRDB sets synchronous=NORMAL on WAL databases after prepareDatabase runs; FULL must be set
            // afterwards on the writer connection, or commits are not durable (see SWIFT-NOTES).
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try JournalSchema.migrator.migrate(pool)
        }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL), for tests and `readyz` diagnostics.
    public func synchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Seals `events` after the current head and commits them in one durable transaction.
    /// Synchronous on purpose: the journal's writer thread calls it, so a commit costs no task hops.
    public func commit(_ events: [AuditEventDraft]) throws -> [JournalEntry] {
        try pool.writeWithoutTransaction { db in
            var sealed = [JournalEntry]()
            sealed.reserveCapacity(events.count)
            // IMMEDIATE takes the write lock up front, so the head read below cannot go stale.
            try db.inTransaction(.immediate) {
                var sequence: Int64 = 0
                var previous = ChainHash.genesis
                let headQuery = try db.cachedStatement(sql: "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
                if let head = try Row.fetchOne(headQuery) {
                    sequence = head["seq"]
                    let bytes: Data = head["hash"]
                    previous = ChainHash(bytes: Array(bytes)) ?? .genesis
                }
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO events (seq, id, time_us, node, action, outcome, code, credential, agent, interaction,
                        customer, fields, masked, source, genesys, detail, prev_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for event in events {
                    sequence += 1
                    let entry = JournalEntry.seal(event.storable, sequence: sequence, after: previous)
                    try insert.execute(arguments: Self.arguments(for: entry))
                    previous = entry.hash
                    sealed.append(entry)
                }
                return .commit
            }
            return sealed
        }
    }

    static func arguments(for entry: JournalEntry) -> StatementArguments {
        let e = entry.event
        var fields = JSONText(capacity: 64)
        fields.stringArray(e.fields)
        var masked = JSONText(capacity: 32)
        masked.stringArray(e.masked)
        var genesys = JSONText(capacity: 32)
        genesys.stringMap(e.genesys)
        var detail = JSONText(capacity: 32)
        detail.stringMap(e.detail)
        let values: [(any DatabaseValueConvertible)?] = [
            entry.sequence, e.id.rawValue, e.time.microseconds, e.node, e.action.rawValue, e.outcome.rawValue,
            e.code, e.credential, e.agent, e.interaction, e.customer, fields.string, masked.string, e.source,
            genesys.string, detail.string, Data(entry.previousHash.bytes), Data(entry.hash.bytes),
        ]
        return StatementArguments(values)
    }

    /// Entries after `sequence`, oldest first.
    public func entries(after sequence: Int64, limit: Int) async throws -> [JournalEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [sequence, limit])
                .map(Self.entry(from:))
        }
    }

    /// The highest sequence number committed, 0 for an empty journal.
    public func headSequence() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0 }
    }

    /// Customer-read events for `customer` with `from <= time < to`, in time order.
    public func accesses(customer: String, from: AuditTime?, to: AuditTime?) async throws -> [JournalEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM events WHERE customer = ? AND action = ? AND time_us >= ? AND time_us < ?
                    ORDER BY time_us, seq
                    """,
                arguments: [customer, AuditAction.customerRead.rawValue, from?.microseconds ?? Int64.min, to?.microseconds ?? Int64.max]
            ).map(Self.entry(from:))
        }
    }

    /// The persisted cursor of a sink: the last sequence it accepted, or nil if it never shipped.
    public func cursor(sink: String) async throws -> Int64? {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM sink_cursors WHERE sink = ?", arguments: [sink]) }
    }

    /// Durably records that `sink` accepted every entry up to `sequence`.
    public func saveCursor(sink: String, sequence: Int64, at time: AuditTime) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO sink_cursors (sink, seq, updated_us) VALUES (?, ?, ?) ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq, updated_us = excluded.updated_us",
                arguments: [sink, sequence, time.microseconds])
        }
    }

    /// A real durable write, to prove the journal can commit right now (`/readyz`).
    public func probeWritable(at time: AuditTime) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO health_probe (id, checked_us) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_us = excluded.checked_us",
                arguments: [time.microseconds])
        }
    }

    /// Walks every entry in sequence order, in pages, handing each page to `body` (for `verify`).
    public func walk(pageSize: Int = 10_000, _ body: ([JournalEntry]) throws -> Bool) async throws {
        var after: Int64 = Int64.min
        while true {
            let start = after
            let page: [JournalEntry] = try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [start, pageSize])
                    .map(Self.entry(from:))
            }
            guard let last = page.last else { return }
            guard try body(page) else { return }
            after = last.sequence
        }
    }

    static func entry(from row: Row) throws -> JournalEntry {
        let sequence: Int64 = row["seq"]
        func list(_ column: String) throws -> [String] {
            guard let text: String = row[column],
                let list = try? JSONDecoder().decode([String].self, from: Data(text.utf8))
            else { throw UnreadableEntry(sequence: sequence, detail: "column \(column) is not a list of strings") }
            return list
        }
        func map(_ column: String) throws -> [String: String] {
            guard let text: String = row[column],
                let map = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
            else { throw UnreadableEntry(sequence: sequence, detail: "column \(column) is not an object of strings") }
            return map
        }
        let idText: String = row["id"]
        guard let id = EventID(rawValue: idText) else {
            throw UnreadableEntry(sequence: sequence, detail: "event id is not a UUID")
        }
        let event = AuditEventDraft(
            id: id, time: AuditTime(microseconds: row["time_us"]), node: row["node"],
            action: AuditAction(rawValue: row["action"]), outcome: AuditOutcome(rawValue: row["outcome"]),
            code: row["code"], credential: row["credential"], agent: row["agent"], interaction: row["interaction"],
            customer: row["customer"], fields: try list("fields"), masked: try list("masked"), source: row["source"],
            genesys: try map("genesys"), detail: try map("detail"))
        let previous: Data = row["prev_hash"]
        let hash: Data = row["hash"]
        return JournalEntry(
            sequence: sequence, event: event,
            previousHash: ChainHash(bytes: Array(previous)) ?? .genesis,
            hash: ChainHash(bytes: Array(hash)) ?? .genesis)
    }
}

/// A stored row that cannot be decoded at all (its columns were damaged outside the gateway).
public struct UnreadableEntry: Error, Sendable, CustomStringConvertible {
    public var sequence: Int64
    public var detail: String
    public var description: String { "sequence \(sequence): \(detail)" }
}
