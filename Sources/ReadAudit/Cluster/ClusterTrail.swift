import Logging
import PostgresNIO

/// The audit trail of every node, as shipped to the cluster's PostgreSQL: what reports read in multi-node
/// mode ("who accessed this customer", on whichever node the reads landed). Entries come back in time order
/// (then node, then sequence), each exactly as its node's chain sealed it.
///
/// An event still waiting in a node's journal (PostgreSQL was away, or its batch is lingering) is not here
/// yet: each node's `postgres` sink state in `/readyz` and `/metrics` says how far behind it is.
public struct ClusterTrail: AuditTrailReading {
    public let database: ClusterDatabase

    public init(database: ClusterDatabase) {
        self.database = database
    }

    public func entries(matching query: AuditQuery, from: AuditTime?, to: AuditTime?, limit: Int?) async throws -> [JournalEntry] {
        var bindings = PostgresBindings()
        bindings.append(from?.microseconds ?? Int64.min)
        bindings.append(to?.microseconds ?? Int64.max)
        var conditions = ["time_us >= $1", "time_us < $2"]
        for (column, value) in query.equalities {
            guard Self.queryable.contains(column) else { throw ClusterError.invalid("\(column) is not a queryable column") }
            bindings.append(value)
            conditions.append("\(column) = $\(bindings.count)")
        }
        let sql = """
            SELECT \(ClusterEvents.columns) FROM readaudit.events WHERE \(conditions.joined(separator: " AND "))
            ORDER BY time_us, chain, seq\(limit.map { " LIMIT \($0)" } ?? "")
            """
        let (logger, query) = (database.logger, PostgresQuery(unsafeSQL: sql, binds: bindings))
        return try await database.withConnection(timeout: .seconds(60)) { connection in
            let rows = try await connection.query(query, logger: logger).collect()
            return try rows.map { try ClusterEvents.entry(from: $0).entry }
        }
    }

    public func page(_ query: JournalQuery, after cursor: JournalCursor?, limit: Int) async throws -> JournalPage {
        let limit = max(1, limit)
        var bindings = PostgresBindings()
        var conditions: [String] = []
        func bind(_ value: some PostgresEncodable & Sendable) throws -> String {
            try bindings.append(value)
            return "$\(bindings.count)"
        }
        switch query.subject {
        case .customer(let id): conditions.append("customer = \(try bind(id))")
        case .agent(let id): conditions.append("agent = \(try bind(id))")
        case .interaction(let id): conditions.append("interaction = \(try bind(id))")
        case .any: break
        }
        switch query.action {
        case .exactly(let value)?: conditions.append("action = \(try bind(value))")
        case .prefix(let prefix)?:
            // A byte-order range (the index is COLLATE "C"), so `_` and `%` mean nothing and no locale reorders it.
            conditions.append("action COLLATE \"C\" >= \(try bind(prefix)) AND action COLLATE \"C\" < \(try bind(JournalStore.successor(of: prefix)))")
        case nil: break
        }
        if let from = query.from { conditions.append("time_us >= \(try bind(from.microseconds))") }
        if let to = query.to { conditions.append("time_us < \(try bind(to.microseconds))") }
        if let cursor {
            conditions.append(
                "(time_us, chain, seq) > (\(try bind(cursor.timeMicroseconds)), \(try bind(cursor.chain ?? "")), \(try bind(cursor.sequence)))")
        }
        var sql = "SELECT \(ClusterEvents.columns) FROM readaudit.events"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY time_us, chain, seq LIMIT \(limit + 1)"
        let (logger, statement) = (database.logger, PostgresQuery(unsafeSQL: sql, binds: bindings))
        let rows = try await database.withConnection(timeout: .seconds(60)) { connection in
            try await connection.query(statement, logger: logger).collect().map { try ClusterEvents.entry(from: $0) }
        }
        guard rows.count > limit else { return JournalPage(entries: rows.map(\.entry), next: nil) }
        let kept = rows.prefix(limit)
        return JournalPage(entries: kept.map(\.entry), next: kept.last.map { JournalCursor(after: $0.entry, chain: $0.chain) })
    }

    /// Columns a query may compare (each has an index with `time_us`).
    static let queryable: Set<String> = ["customer", "agent", "interaction", "action"]
}

/// The trail reports read: every node's, in PostgreSQL, in multi-node mode; else this node's archive and journal.
func reportTrail(_ configuration: ReadAuditConfiguration, _ ports: GatewayPorts) -> any AuditTrailReading {
    if let database = ports.cluster { return ClusterTrail(database: database) }
    return AuditTrail(store: ports.journal.store, archiveDirectory: configuration.archivePath)
}
