import Foundation
import GRDB
import GRDBSQLite

/// The SQLite file behind the journal: schema, durable batch inserts, reads, sink cursors.
///
/// Every write goes through GRDB's single writer connection with `synchronous=FULL`, so a commit that
/// returns has been fsync'd (in `durability: os`, `synchronous=NORMAL`: the commit is in the kernel and
/// `syncWAL()` makes it durable). The chain head is read inside each write transaction, so another process
/// appending to the same file (the CLI recording a verification) can never fork the chain.
public final class JournalStore: Sendable {
    /// The GRDB pool (one writer connection, concurrent readers). Public for tests and tooling.
    public let pool: DatabasePool
    /// Path of the SQLite file.
    public let path: String
    /// Whether a commit is fsync'd before it returns, or only reaches the kernel.
    public let durability: JournalDurability

    /// Opens (creating if needed) the journal at `path` and brings its schema up to date.
    public init(path: String, busyTimeout: Duration = .seconds(2), readOnly: Bool = false, durability: JournalDurability = .fsync) throws {
        self.path = path
        self.durability = durability
        var configuration = Configuration()
        configuration.busyMode = .timeout(Double(busyTimeout.components.seconds) + Double(busyTimeout.components.attoseconds) / 1e18)
        configuration.readonly = readOnly
        configuration.label = "readaudit.journal"
        pool = try DatabasePool(path: path, configuration: configuration)
        if !readOnly {
            // GRDB sets synchronous=NORMAL on WAL databases after prepareDatabase runs; FULL must be set
            // afterwards on the writer connection, or commits are not durable (see SWIFT-NOTES).
            let level = durability.synchronousLevel
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(level)")
            }
            try JournalSchema.migrator.migrate(pool)
        }
    }

    /// Flushes the WAL file to the disk (`durability: os`'s background fsync). The WAL is reopened each
    /// time: SQLite may delete and recreate it, and an old descriptor would sync a file nobody reads.
    public func syncWAL() throws {
        let fd = open(path + "-wal", O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return }  // nothing written since the last checkpoint removed it
            throw JournalError(.commitFailed, detail: "cannot open the WAL to fsync it (errno \(errno))")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw JournalError(.commitFailed, detail: "fsync of the WAL failed (errno \(errno))") }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL, 1 = NORMAL in `durability: os`), for tests and `readyz` diagnostics.
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
                    try Self.insert(entry, with: insert, in: db)
                    previous = entry.hash
                    sealed.append(entry)
                }
                return .commit
            }
            return sealed
        }
    }

    /// Binds `entry` to the cached INSERT and steps it. The values go straight to SQLite: GRDB's
    /// `StatementArguments` boxed each of the 18 into an existential and copied it again, about 3 % of a
    /// read's CPU on the writer thread, which every append waits for.
    static func insert(_ entry: JournalEntry, with statement: Statement, in db: Database) throws {
        let e = entry.event
        var fields = JSONText(capacity: 64)
        fields.stringArray(e.fields)
        var masked = JSONText(capacity: 32)
        masked.stringArray(e.masked)
        var genesys = JSONText(capacity: 32)
        genesys.stringMap(e.genesys)
        var detail = JSONText(capacity: 32)
        detail.stringMap(e.detail)
        let raw = statement.sqliteStatement
        defer {
            sqlite3_reset(raw)
            sqlite3_clear_bindings(raw)
        }
        var bound = SQLITE_OK
        func bind(_ index: Int32, _ text: String?) {
            guard bound == SQLITE_OK else { return }
            guard var text else {
                bound = sqlite3_bind_null(raw, index)
                return
            }
            // With its length (no scan for a terminator); "" is bound as text, not as NULL.
            if text.isEmpty {
                bound = sqlite3_bind_text(raw, index, "", 0, sqliteTransient)
                return
            }
            bound = text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(raw, index, $0.baseAddress, Int32($0.count), sqliteTransient) }
            }
        }
        func bind(_ index: Int32, _ integer: Int64) {
            guard bound == SQLITE_OK else { return }
            bound = sqlite3_bind_int64(raw, index, integer)
        }
        func bind(_ index: Int32, _ hash: ChainHash) {
            guard bound == SQLITE_OK else { return }
            bound = hash.bytes.withUnsafeBytes { sqlite3_bind_blob(raw, index, $0.baseAddress, Int32($0.count), sqliteTransient) }
        }
        bind(1, entry.sequence)
        bind(2, e.id.rawValue)
        bind(3, e.time.microseconds)
        bind(4, e.node)
        bind(5, e.action.rawValue)
        bind(6, e.outcome.rawValue)
        bind(7, e.code)
        bind(8, e.credential)
        bind(9, e.agent)
        bind(10, e.interaction)
        bind(11, e.customer)
        bind(12, fields.string)
        bind(13, masked.string)
        bind(14, e.source)
        bind(15, genesys.string)
        bind(16, detail.string)
        bind(17, entry.previousHash)
        bind(18, entry.hash)
        let code = bound == SQLITE_OK ? sqlite3_step(raw) : bound
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql)
        }
    }

    /// Entries after `sequence`, oldest first.
    public func entries(after sequence: Int64, limit: Int) async throws -> [JournalEntry] {
        try await pool.read { db in
            try Self.fetchEntries(db, after: sequence, limit: limit)
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
                    SELECT \(Self.columns) FROM events WHERE customer = ? AND +action = ? AND time_us >= ? AND time_us < ?
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
    public func walk(after start: Int64 = Int64.min, pageSize: Int = 10_000, _ body: ([JournalEntry]) throws -> Bool) async throws {
        var after: Int64 = start
        while true {
            let start = after
            let page: [JournalEntry] = try await pool.read { db in
                try Self.fetchEntries(db, after: start, limit: pageSize)
            }
            guard let last = page.last else { return }
            guard try body(page) else { return }
            after = last.sequence
        }
    }


    /// The columns every entry query selects, in the order `entry(from:)` reads them.
    static let columns = """
        seq, id, time_us, node, action, outcome, code, credential, agent, interaction, customer, fields, masked, source, \
        genesys, detail, prev_hash, hash
        """

    /// Decodes a row by position, without trusting it: a damaged or retyped column is an `UnreadableEntry`
    /// naming its sequence, never a crash (an attacker with file access can store anything).
    static func entry(from row: Row) throws -> JournalEntry {
        let sequence = Int64.fromDatabaseValue(row[0] as DatabaseValue) ?? 0
        func text(_ index: Int, _ name: String) throws -> String {
            guard let value = String.fromDatabaseValue(row[index] as DatabaseValue) else {
                throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not text")
            }
            return value
        }
        func optionalText(_ index: Int, _ name: String) throws -> String? {
            let value = row[index] as DatabaseValue
            if value.isNull { return nil }
            return try text(index, name)
        }
        func list(_ index: Int, _ name: String) throws -> [String] {
            try decodeList(try text(index, name), column: name, sequence: sequence)
        }
        func map(_ index: Int, _ name: String) throws -> [String: String] {
            try decodeMap(try text(index, name), column: name, sequence: sequence)
        }
        func hash(_ index: Int, _ name: String) throws -> ChainHash {
            guard let data = Data.fromDatabaseValue(row[index] as DatabaseValue), let hash = ChainHash(bytes: Array(data)) else {
                throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not a 32-byte hash")
            }
            return hash
        }
        guard let id = EventID(rawValue: try text(1, "id")) else {
            throw UnreadableEntry(sequence: sequence, detail: "event id is not a UUID")
        }
        guard let time = Int64.fromDatabaseValue(row[2] as DatabaseValue) else {
            throw UnreadableEntry(sequence: sequence, detail: "column time_us is not an integer")
        }
        let event = AuditEventDraft(
            id: id, time: AuditTime(microseconds: time), node: try text(3, "node"),
            action: AuditAction(rawValue: try text(4, "action")), outcome: AuditOutcome(rawValue: try text(5, "outcome")),
            code: try optionalText(6, "code"), credential: try optionalText(7, "credential"), agent: try optionalText(8, "agent"),
            interaction: try optionalText(9, "interaction"), customer: try optionalText(10, "customer"),
            fields: try list(11, "fields"), masked: try list(12, "masked"), source: try optionalText(13, "source"),
            genesys: try map(14, "genesys"), detail: try map(15, "detail"))
        return JournalEntry(sequence: sequence, event: event, previousHash: try hash(16, "prev_hash"), hash: try hash(17, "hash"))
    }
}

extension JournalStore {
    /// A stored list column (`fields`, `masked`): a JSON array of strings.
    static func decodeList(_ json: String, column name: String, sequence: Int64) throws -> [String] {
        if json == "[]" { return [] }  // most events' masked list; no parser needed
        guard case .array(let items)? = try? JSONParser.parse(Array(json.utf8)) else {
            throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not a list of strings")
        }
        return try items.map { item in
            guard case .string(let value) = item else {
                throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not a list of strings")
            }
            return value
        }
    }

    /// A stored map column (`genesys`, `detail`): a JSON object of strings.
    static func decodeMap(_ json: String, column name: String, sequence: Int64) throws -> [String: String] {
        if json == "{}" { return [:] }  // most events' genesys and detail maps
        guard let members = (try? JSONParser.parse(Array(json.utf8)))?.objectMembers else {
            throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not an object of strings")
        }
        var map: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let string) = value else {
                throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not an object of strings")
            }
            map[key] = string
        }
        return map
    }
}

/// A stored row that cannot be decoded at all (its columns were damaged outside the gateway).
public struct UnreadableEntry: Error, Sendable, CustomStringConvertible {
    public var sequence: Int64
    public var detail: String
    public var description: String { "sequence \(sequence): \(detail)" }
}

/// SQLite copies a value bound with this destructor before the bind call returns.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
