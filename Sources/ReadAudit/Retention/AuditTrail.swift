import Foundation
import GRDB

/// A question asked of the whole audit trail, hot and archived: an SQL condition for the journal's
/// `events` table and the same condition as a predicate over archived entries. The two must agree.
public struct AuditQuery: Sendable {
    /// A boolean SQL expression over `events` columns, with `?` placeholders.
    public var condition: String
    public var arguments: [DatabaseValue]
    /// The same condition for an archived entry.
    public var matches: @Sendable (JournalEntry) -> Bool
    /// The same condition as column = value pairs, for PostgreSQL's `readaudit.events` (multi-node mode).
    public var equalities: [(column: String, value: String)]

    public init(
        condition: String, arguments: [DatabaseValue], equalities: [(column: String, value: String)],
        matches: @escaping @Sendable (JournalEntry) -> Bool
    ) {
        self.condition = condition
        self.arguments = arguments
        self.equalities = equalities
        self.matches = matches
    }

    /// Reads of one customer's record (`customer.read` events for the customer).
    public static func customerAccesses(_ customer: String) -> AuditQuery {
        AuditQuery(
            condition: "customer = ? AND +action = ?", arguments: [customer.databaseValue, AuditAction.customerRead.rawValue.databaseValue],
            equalities: [("customer", customer), ("action", AuditAction.customerRead.rawValue)],
            matches: { entry in entry.event.customer == customer && entry.event.action == .customerRead })
    }

    /// Everything one agent did.
    public static func agentActivity(_ agent: String) -> AuditQuery {
        AuditQuery(condition: "agent = ?", arguments: [agent.databaseValue], equalities: [("agent", agent)], matches: { entry in entry.event.agent == agent })
    }

    /// Events of one action.
    public static func action(_ action: AuditAction) -> AuditQuery {
        AuditQuery(condition: "action = ?", arguments: [action.rawValue.databaseValue], equalities: [("action", action.rawValue)], matches: { entry in entry.event.action == action })
    }
}

/// Where reports read the audit trail: one node's archive and journal (`AuditTrail`), or every node's events
/// in the cluster's PostgreSQL (`ClusterTrail`).
public protocol AuditTrailReading: Sendable {
    /// Entries matching `query` with `from <= time < to`, in time order, at most `limit`.
    func entries(matching query: AuditQuery, from: AuditTime?, to: AuditTime?, limit: Int?) async throws -> [JournalEntry]
    /// One page of an admin query after `cursor` (keyset pagination in time order), for `/admin/v1/events`
    /// and `/admin/v1/alerts`.
    func page(_ query: JournalQuery, after cursor: JournalCursor?, limit: Int) async throws -> JournalPage
}

extension AuditTrailReading {
    /// Who read a customer's record from `from` (inclusive) to `to` (exclusive).
    public func accesses(customer: String, from: AuditTime?, to: AuditTime?) async throws -> [JournalEntry] {
        try await entries(matching: .customerAccesses(customer), from: from, to: to, limit: nil)
    }

    /// Entries matching `query` in the period, all of them.
    public func entries(matching query: AuditQuery, from: AuditTime?, to: AuditTime?) async throws -> [JournalEntry] {
        try await entries(matching: query, from: from, to: to, limit: nil)
    }
}

/// The whole audit trail of one journal: its archive segments and its hot `events` table, queried as one.
/// Every entry appears exactly once, whatever the archiver is doing meanwhile.
public struct AuditTrail: AuditTrailReading {
    public let store: JournalStore
    /// The archive segments' directory (`ReadAuditConfiguration.archivePath`).
    public let archiveDirectory: String

    public init(store: JournalStore, archiveDirectory: String) {
        self.store = store
        self.archiveDirectory = archiveDirectory
    }

    /// Entries matching `query` with `from <= time < to`, archived and hot, in (time, sequence) order,
    /// at most `limit`.
    ///
    /// The archive boundary, the live segments and the hot rows come from one read transaction: a segment
    /// is recorded before its rows leave `events`, so each entry is read from exactly one place.
    public func entries(matching query: AuditQuery, from: AuditTime?, to: AuditTime?, limit: Int?) async throws -> [JournalEntry] {
        let lower = from?.microseconds ?? Int64.min
        let upper = to?.microseconds ?? Int64.max
        let (records, through, hot) = try await store.pool.read { db in
            let records = try JournalStore.archiveSegments(db)
            let through = try JournalStore.archivedThrough(db)
            let hot = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(JournalStore.columns) FROM events WHERE seq > ? AND time_us >= ? AND time_us < ? AND (\(query.condition))
                    ORDER BY time_us, seq\(limit.map { " LIMIT \($0)" } ?? "")
                    """,
                arguments: StatementArguments([through.databaseValue, lower.databaseValue, upper.databaseValue] + query.arguments)
            ).map(JournalStore.entry(from:))
            return (records, through, hot)
        }
        let archived = try ArchiveReader(records: records, directory: archiveDirectory)
            .entries(from: from, to: to, through: through, where: query.matches)
        let merged = Self.merge(archived, hot)
        guard let limit else { return merged }
        return Array(merged.prefix(limit))
    }

    /// A page of the hot journal (archived entries are reached through reports).
    public func page(_ query: JournalQuery, after cursor: JournalCursor?, limit: Int) async throws -> JournalPage {
        try await store.page(query, after: cursor, limit: limit)
    }

    /// Two lists in (time, sequence) order merged into one.
    static func merge(_ a: [JournalEntry], _ b: [JournalEntry]) -> [JournalEntry] {
        var out: [JournalEntry] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && (a[i].event.time, a[i].sequence) < (b[j].event.time, b[j].sequence)) {
                out.append(a[i])
                i += 1
            } else {
                out.append(b[j])
                j += 1
            }
        }
        return out
    }
}
