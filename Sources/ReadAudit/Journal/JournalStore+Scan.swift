import Crypto
import Foundation
import GRDB
import GRDBSQLite

/// One stored entry as `verify` needs it: where it sits, its stored links, and whether its contents still
/// hash to its stored hash.
public struct ScannedEntry: Sendable {
    public var sequence: Int64
    public var previousHash: ChainHash
    public var hash: ChainHash
    /// True when the canonical encoding of the stored columns hashes to `hash`.
    public var contentsMatch: Bool
    /// The entry's Merkle leaf hash (of its stored hash).
    public var leafHash: ChainHash
}

extension JournalStore {
    /// Walks the stored entries after `sequence` in order, recomputing each one's hash straight from the
    /// column bytes (no decoding into strings and dictionaries). Rows the fast path cannot read exactly as
    /// the gateway writes them (escaped strings, unsorted maps, unusual types) are decoded the slow, general
    /// way, so the answer never depends on the path. A column that cannot be decoded at all throws
    /// `UnreadableEntry`. Return false from `body` to stop.
    public func scanChain(after sequence: Int64 = Int64.min, pageSize: Int64 = 16_384, _ body: (ScannedEntry) throws -> Bool) async throws {
        let (low, high) = try await pool.read { db in
            (try Int64.fetchOne(db, sql: "SELECT min(seq) FROM events") ?? 0, try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0)
        }
        // Pages are fixed sequence ranges, so several can be read at once (one per core) while this task
        // checks them in order. A tampered file's stray numbers (zero, negative) still fall in the first range.
        let start = max(sequence, min(low, 1) - 1)
        guard high > start else { return }
        let pool = pool
        func fetch(_ index: Int64) -> Task<[ScannedEntry], any Error> {
            let lower = start &+ index &* pageSize
            return Task { try await pool.read { db in try Self.scanPage(db, after: lower, through: lower &+ pageSize) } }
        }
        let pages = (high - start + pageSize - 1) / pageSize
        let window: Int64 = 3
        var inFlight: [Task<[ScannedEntry], any Error>] = (0..<min(window, pages)).map(fetch)
        defer { for task in inFlight { task.cancel() } }
        var next = Int64(inFlight.count)
        while !inFlight.isEmpty {
            let page = try await inFlight.removeFirst().value
            if next < pages {
                inFlight.append(fetch(next))
                next += 1
            }
            for entry in page where try !body(entry) { return }
        }
    }

    static func scanPage(_ db: Database, after sequence: Int64, through last: Int64) throws -> [ScannedEntry] {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM events WHERE seq > ? AND seq <= ? ORDER BY seq")
        try statement.setArguments([sequence, last])
        let raw = statement.sqliteStatement
        var page = [ScannedEntry]()
        page.reserveCapacity(Int(clamping: min(last &- sequence, 65_536)))
        var encoder = CanonicalRowEncoder()
        defer {
            sqlite3_reset(raw)
            encoder.release()
        }
        while true {
            let code = sqlite3_step(raw)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
            let sequence = sqlite3_column_int64(raw, 0)
            guard sqlite3_column_type(raw, 0) == SQLITE_INTEGER else {
                throw UnreadableEntry(sequence: sequence, detail: "column seq is not an integer")
            }
            guard let previous = Self.hashColumn(raw, 16), let stored = Self.hashColumn(raw, 17) else {
                // Let the general decoder name the damage.
                _ = try Self.slowEntry(db, sequence: sequence)
                throw UnreadableEntry(sequence: sequence, detail: "a hash column is not a 32-byte hash")
            }
            let matches: Bool
            if encoder.encode(raw, sequence: sequence) {
                matches = encoder.hash() == stored
            } else {
                let entry = try Self.slowEntry(db, sequence: sequence)
                matches = CanonicalEncoding.hash(of: entry.event, sequence: entry.sequence, previousHash: entry.previousHash) == entry.hash
            }
            page.append(ScannedEntry(
                sequence: sequence, previousHash: previous, hash: stored, contentsMatch: matches, leafHash: MerkleTree.leafHash(entryHash: stored)))
        }
        return page
    }

    private static func hashColumn(_ raw: SQLiteStatement, _ index: Int32) -> ChainHash? {
        guard sqlite3_column_type(raw, index) == SQLITE_BLOB, sqlite3_column_bytes(raw, index) == 32,
            let pointer = sqlite3_column_blob(raw, index)
        else { return nil }
        return ChainHash(loading: pointer)
    }

    /// The general decoder, for the rows the fast path declines.
    static func slowEntry(_ db: Database, sequence: Int64) throws -> JournalEntry {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM events WHERE seq = ?", arguments: [sequence]) else {
            throw UnreadableEntry(sequence: sequence, detail: "the row cannot be read back")
        }
        return try entry(from: row)
    }
}

/// Builds `CanonicalEncoding` v1 bytes from a statement's current row, for rows exactly as the gateway
/// writes them. Returns nil for anything else (the caller then decodes the row in full).
struct CanonicalRowEncoder {
    // One growable buffer reused for every row: no allocation, no copy-on-write checks per byte. A struct,
    // so its accesses are checked statically (a class pays a runtime exclusivity check per access); the
    // owner calls `release()`.
    private var buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    private var pairs: [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] = []
    private static let tag = Array(CanonicalEncoding.versionTag.utf8)

    init() { buffer = .allocate(byteCount: 4096, alignment: 8) }
    func release() { buffer.deallocate() }

    /// SHA-256 of the bytes the last successful `encode` built.
    func hash() -> ChainHash { ChainHash(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))) }

    /// Builds the row's canonical encoding in place; false when the row is not as the gateway writes rows.
    mutating func encode(_ raw: SQLiteStatement, sequence: Int64) -> Bool {
        count = 0
        Self.tag.withUnsafeBytes { appendBytes($0) }
        appendInt64(sequence)
        guard text(raw, 1), sqlite3_column_type(raw, 2) == SQLITE_INTEGER else { return false }
        appendInt64(sqlite3_column_int64(raw, 2))
        guard text(raw, 3), text(raw, 4), text(raw, 5) else { return false }
        for column: Int32 in 6...10 { guard optional(raw, column) else { return false } }
        guard list(raw, 11), list(raw, 12), optional(raw, 13), map(raw, 14), map(raw, 15) else { return false }
        guard let previous = sqlite3_column_blob(raw, 16) else { return false }
        appendBytes(UnsafeRawBufferPointer(start: previous, count: Int(sqlite3_column_bytes(raw, 16))))
        return true
    }

    private mutating func reserve(_ extra: Int) {
        guard count + extra > buffer.count else { return }
        let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(buffer.count * 2, count + extra), alignment: 8)
        grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        buffer.deallocate()
        buffer = grown
    }

    private mutating func appendByte(_ byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count += 1
    }

    private mutating func appendUInt32(_ value: UInt32) {
        reserve(4)
        buffer.storeBytes(of: value.bigEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    private func setUInt32(_ value: UInt32, at offset: Int) {
        buffer.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    private mutating func appendInt64(_ value: Int64) {
        reserve(8)
        buffer.storeBytes(of: UInt64(bitPattern: value).bigEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    private mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        reserve(4 + bytes.count)
        buffer.storeBytes(of: UInt32(bytes.count).bigEndian, toByteOffset: count, as: UInt32.self)
        count += 4
        if let base = bytes.baseAddress, bytes.count > 0 {
            (buffer.baseAddress! + count).copyMemory(from: base, byteCount: bytes.count)
            count += bytes.count
        }
    }

    private func column(_ raw: SQLiteStatement, _ index: Int32) -> UnsafeRawBufferPointer {
        let count = Int(sqlite3_column_bytes(raw, index))
        guard let pointer = sqlite3_column_text(raw, index) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }

    private mutating func text(_ raw: SQLiteStatement, _ index: Int32) -> Bool {
        guard sqlite3_column_type(raw, index) == SQLITE_TEXT else { return false }
        appendBytes(column(raw, index))
        return true
    }

    private mutating func optional(_ raw: SQLiteStatement, _ index: Int32) -> Bool {
        switch sqlite3_column_type(raw, index) {
        case SQLITE_NULL:
            appendByte(0)
            return true
        case SQLITE_TEXT:
            appendByte(1)
            appendBytes(column(raw, index))
            return true
        default: return false
        }
    }

    /// `["a","b"]` exactly as JSONText writes it.
    private mutating func list(_ raw: SQLiteStatement, _ index: Int32) -> Bool {
        guard sqlite3_column_type(raw, index) == SQLITE_TEXT else { return false }
        let countAt = count
        appendUInt32(0)
        var items: UInt32 = 0
        guard StoredJSON.scanList(column(raw, index), { item in
            appendBytes(item)
            items += 1
        }) else { return false }
        setUInt32(items, at: countAt)
        return true
    }

    /// `{"k":"v"}` exactly as JSONText writes it: keys strictly ascending in UTF-8 byte order.
    private mutating func map(_ raw: SQLiteStatement, _ index: Int32) -> Bool {
        guard sqlite3_column_type(raw, index) == SQLITE_TEXT else { return false }
        pairs.removeAll(keepingCapacity: true)
        guard StoredJSON.scanMap(column(raw, index), { key, value in pairs.append((key, value)) }) else { return false }
        appendUInt32(UInt32(pairs.count))
        for pair in pairs {
            appendBytes(pair.key)
            appendBytes(pair.value)
        }
        return true
    }
}
