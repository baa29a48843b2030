import Foundation
import GRDB
import GRDBSQLite

extension JournalStore {
    /// Entries after `sequence`, oldest first, decoded straight from the statement's column bytes: every
    /// shipper, the detector and `walk` read the journal through here, so this is paid once per entry per
    /// reader. A row the fast decoder does not accept as exactly what the gateway writes (another column
    /// type, an escaped JSON string, an unsorted map, a NUL) is decoded by the general `entry(from:)`,
    /// which also names any damage; both give the same entry for every row the fast one accepts.
    static func fetchEntries(_ db: Database, after sequence: Int64, limit: Int) throws -> [JournalEntry] {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
        try statement.setArguments([sequence, limit])
        let raw = statement.sqliteStatement
        defer { sqlite3_reset(raw) }
        var entries: [JournalEntry] = []
        entries.reserveCapacity(min(limit, 10_000))
        while true {
            let code = sqlite3_step(raw)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            if let entry = FastEntryDecoder.entry(raw) {
                entries.append(entry)
            } else {
                entries.append(try slowEntry(db, sequence: sqlite3_column_int64(raw, 0)))
            }
        }
        return entries
    }
}

/// Decodes the current row of a `JournalStore.columns` statement, or returns nil for anything but a row
/// exactly as the gateway writes it.
enum FastEntryDecoder {
    static func entry(_ raw: SQLiteStatement) -> JournalEntry? {
        guard sqlite3_column_type(raw, 0) == SQLITE_INTEGER, sqlite3_column_type(raw, 2) == SQLITE_INTEGER else { return nil }
        let sequence = sqlite3_column_int64(raw, 0)
        let time = sqlite3_column_int64(raw, 2)
        guard let idText = text(raw, 1), let id = EventID(rawValue: idText),
            let node = text(raw, 3), let action = text(raw, 4), let outcome = text(raw, 5),
            let code = optionalText(raw, 6), let credential = optionalText(raw, 7), let agent = optionalText(raw, 8),
            let interaction = optionalText(raw, 9), let customer = optionalText(raw, 10),
            let fields = list(raw, 11), let masked = list(raw, 12), let source = optionalText(raw, 13),
            let genesys = map(raw, 14), let detail = map(raw, 15),
            let previousHash = hash(raw, 16), let hash = hash(raw, 17)
        else { return nil }
        let event = AuditEventDraft(
            id: id, time: AuditTime(microseconds: time), node: node, action: AuditAction(rawValue: action),
            outcome: AuditOutcome(rawValue: outcome), code: code, credential: credential, agent: agent, interaction: interaction,
            customer: customer, fields: fields, masked: masked, source: source, genesys: genesys, detail: detail)
        return JournalEntry(sequence: sequence, event: event, previousHash: previousHash, hash: hash)
    }

    /// A TEXT column's bytes (nil for another type, or a NUL inside, which the general decoder reads as
    /// the string's end).
    private static func bytes(_ raw: SQLiteStatement, _ index: Int32) -> UnsafeRawBufferPointer? {
        guard sqlite3_column_type(raw, index) == SQLITE_TEXT, let pointer = sqlite3_column_text(raw, index) else { return nil }
        let count = Int(sqlite3_column_bytes(raw, index))
        guard count == 0 || memchr(pointer, 0, count) == nil else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }

    private static func text(_ raw: SQLiteStatement, _ index: Int32) -> String? {
        bytes(raw, index).map(string)
    }

    /// `.some(nil)` for NULL, nil for a column the fast path does not read.
    private static func optionalText(_ raw: SQLiteStatement, _ index: Int32) -> String?? {
        if sqlite3_column_type(raw, index) == SQLITE_NULL { return .some(nil) }
        guard let value = text(raw, index) else { return nil }
        return .some(value)
    }

    private static func hash(_ raw: SQLiteStatement, _ index: Int32) -> ChainHash? {
        guard sqlite3_column_type(raw, index) == SQLITE_BLOB, sqlite3_column_bytes(raw, index) == 32,
            let pointer = sqlite3_column_blob(raw, index)
        else { return nil }
        return ChainHash(loading: pointer)
    }

    private static func string(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func list(_ raw: SQLiteStatement, _ index: Int32) -> [String]? {
        guard let bytes = bytes(raw, index) else { return nil }
        var items: [String] = []
        return StoredJSON.scanList(bytes, { items.append(string($0)) }) ? items : nil
    }

    private static func map(_ raw: SQLiteStatement, _ index: Int32) -> [String: String]? {
        guard let bytes = bytes(raw, index) else { return nil }
        var map: [String: String] = [:]
        return StoredJSON.scanMap(bytes, { map[string($0)] = string($1) }) ? map : nil
    }
}
