import Foundation
import GRDB

/// Which journal entries an admin query or a report is about.
public struct JournalQuery: Sendable, Equatable {
    /// The one column a query is keyed on.
    public enum Subject: Sendable, Equatable {
        case customer(String)
        case agent(String)
        case interaction(String)
        /// Every entry (narrowed by `action`).
        case any
    }

    /// An action filter: one action, or every action that starts with a prefix (`alert.`).
    public enum ActionFilter: Sendable, Equatable {
        case exactly(String)
        case prefix(String)
    }

    public var subject: Subject
    public var action: ActionFilter?
    /// Inclusive start; nil for the beginning.
    public var from: AuditTime?
    /// Exclusive end; nil for now.
    public var to: AuditTime?

    public init(subject: Subject, action: ActionFilter? = nil, from: AuditTime? = nil, to: AuditTime? = nil) {
        self.subject = subject
        self.action = action
        self.from = from
        self.to = to
    }
}

/// Where a page of a query ended: the (time, sequence) of its last entry, and in multi-node mode the chain
/// (node) it belongs to. Opaque to callers, who get it as a token (base64url of `v1:<time_us>:<seq>`, or
/// `v2:<time_us>:<seq>:<chain>`).
public struct JournalCursor: Sendable, Hashable {
    public var timeMicroseconds: Int64
    public var sequence: Int64
    /// The entry's chain when pages span every node's (PostgreSQL), else nil.
    public var chain: String?

    public init(timeMicroseconds: Int64, sequence: Int64, chain: String? = nil) {
        self.timeMicroseconds = timeMicroseconds
        self.sequence = sequence
        self.chain = chain
    }

    /// The cursor just after `entry`.
    public init(after entry: JournalEntry, chain: String? = nil) {
        self.init(timeMicroseconds: entry.event.time.microseconds, sequence: entry.sequence, chain: chain)
    }

    /// The token handed to API callers.
    public var token: String {
        let text = chain.map { "v2:\(timeMicroseconds):\(sequence):\($0)" } ?? "v1:\(timeMicroseconds):\(sequence)"
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Parses a token; nil for anything this gateway did not hand out.
    public init?(token: String) {
        guard (1...256).contains(token.utf8.count),
            token.utf8.allSatisfy({ b in
                (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
            })
        else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3 && parts[0] == "v1" || parts.count == 4 && parts[0] == "v2" && !parts[3].isEmpty,
            let time = Int64(parts[1]), let sequence = Int64(parts[2]), sequence > 0
        else { return nil }
        self.init(timeMicroseconds: time, sequence: sequence, chain: parts.count == 4 ? String(parts[3]) : nil)
    }
}

/// One page of a query, in (time, sequence) order, and where the next page starts (nil on the last).
public struct JournalPage: Sendable {
    public var entries: [JournalEntry]
    public var next: JournalCursor?
}

extension JournalStore {
    /// Entries matching `query` after `cursor`, at most `limit`, ordered by (time, sequence). Keyset
    /// pagination: rows appended while a caller pages are never skipped nor repeated, ties in time included.
    public func page(_ query: JournalQuery, after cursor: JournalCursor?, limit: Int) async throws -> JournalPage {
        let limit = max(1, limit)
        let (sql, arguments) = Self.sql(query, after: cursor, limit: limit + 1)
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.entry(from:))
        }
        guard rows.count > limit else { return JournalPage(entries: rows, next: nil) }
        let entries = Array(rows.prefix(limit))
        return JournalPage(entries: entries, next: entries.last.map { JournalCursor(after: $0) })
    }

    /// Every entry matching `query`, in time order (for reports, which cover one customer or one agent).
    public func all(_ query: JournalQuery) async throws -> [JournalEntry] {
        let (sql, arguments) = Self.sql(query, after: nil, limit: nil)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.entry(from:))
        }
    }

    /// The newest entry with `action`, or nil (the last `audit.verify`, say).
    public func latest(action: AuditAction) async throws -> JournalEntry? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.columns) FROM events WHERE action = ? ORDER BY time_us DESC, seq DESC LIMIT 1",
                arguments: [action.rawValue]
            ).map(Self.entry(from:))
        }
    }

    static func sql(_ query: JournalQuery, after cursor: JournalCursor?, limit: Int?) -> (String, StatementArguments) {
        var conditions: [String] = []
        var values: [(any DatabaseValueConvertible)?] = []
        switch query.subject {
        case .customer(let id):
            conditions.append("customer = ?")
            values.append(id)
        case .agent(let id):
            conditions.append("agent = ?")
            values.append(id)
        case .interaction(let id):
            conditions.append("interaction = ?")
            values.append(id)
        case .any:
            break
        }
        // With a subject, its (subject, time) index must drive the query: the unary `+` keeps SQLite from
        // choosing the (action, time) index, which would scan every read in the period (10M-event journal:
        // milliseconds instead of microseconds).
        let action = query.subject == .any ? "action" : "+action"
        switch query.action {
        case .exactly(let value)?:
            conditions.append("\(action) = ?")
            values.append(value)
        case .prefix(let prefix)?:
            // A range, not LIKE, so the (action, time) index serves it and `_`/`%` mean nothing.
            conditions.append("\(action) >= ? AND \(action) < ?")
            values.append(prefix)
            values.append(Self.successor(of: prefix))
        case nil:
            break
        }
        if let from = query.from {
            conditions.append("time_us >= ?")
            values.append(from.microseconds)
        }
        if let to = query.to {
            conditions.append("time_us < ?")
            values.append(to.microseconds)
        }
        if let cursor {
            // The first term lets an index on (…, time_us) narrow the scan; the row value is exact.
            conditions.append("time_us >= ? AND (time_us, seq) > (?, ?)")
            values.append(contentsOf: [cursor.timeMicroseconds, cursor.timeMicroseconds, cursor.sequence])
        }
        var sql = "SELECT \(columns) FROM events"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY time_us, seq"
        if let limit {
            sql += " LIMIT ?"
            values.append(limit)
        }
        return (sql, StatementArguments(values))
    }

    /// The smallest string greater than every string that starts with `prefix` (in SQLite's byte order).
    static func successor(of prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0x7F {
                bytes[bytes.count - 1] = last + 1
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.removeLast()
        }
        return "\u{10FFFF}"
    }
}
