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

    /// Columns a query may compare (each has an index with `time_us`).
    static let queryable: Set<String> = ["customer", "agent", "interaction", "action"]
}

/// The trail reports read: every node's, in PostgreSQL, in multi-node mode; else this node's archive and journal.
func reportTrail(_ configuration: ReadAuditConfiguration, _ ports: GatewayPorts) -> any AuditTrailReading {
    if let database = ports.cluster { return ClusterTrail(database: database) }
    return AuditTrail(store: ports.journal.store, archiveDirectory: configuration.archivePath)
}
