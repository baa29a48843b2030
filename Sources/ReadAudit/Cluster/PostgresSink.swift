import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Ships this node's journal to `readaudit.events` in the cluster's PostgreSQL: batched (one INSERT of
/// binary column arrays per batch), idempotent on event id (a re-sent batch inserts nothing twice: it fails
/// with a unique violation and goes again with `ON CONFLICT DO NOTHING`), creating month
/// partitions as events reach them, and announcing each commit on NOTIFY `readaudit_events` so the
/// cross-node detector wakes at once.
///
/// Like every sink it is a copy, never a dependency: PostgreSQL away means `retry`, the journal keeps the
/// backlog, and reads go on.
public final class PostgresSink: AuditSink {
    public let name: String
    let database: ClusterDatabase
    /// The chain this node's journal is: the `chain` column of every row it ships.
    let chain: String
    let logger: Logger
    private let partitions = Mutex<Set<String>>([])

    /// The sink's (and its cursor's) name: reserved in multi-node mode.
    public static let cursorName = "postgres"

    public init(name: String = PostgresSink.cursorName, database: ClusterDatabase, chain: String, logger: Logger) {
        self.name = name
        self.database = database
        self.chain = chain
        self.logger = logger
    }

    public func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        guard !batch.entries.isEmpty else { return .delivered }
        guard database.isMigrated else { return .retry(reason: "the PostgreSQL schema is not ready yet") }
        let entries = batch.entries
        let chain = self.chain
        let logger = self.logger
        let known = partitions.withLock { $0 }
        // Months the batch touches, computed once per month rather than once per entry (a calendar
        // computation costs more than the rest of an entry's encoding).
        let needed = {
            var needed = Set<String>()
            var month: (start: Int64, end: Int64)?
            for entry in entries {
                let time = entry.event.time.microseconds
                if let month, time >= month.start, time < month.end { continue }
                let partition = ClusterSchema.partition(containing: time)
                needed.insert(partition.name)
                month = (partition.start, partition.end)
            }
            return needed
        }()
        do {
            let created = try await database.withConnection { connection in
                var created: [String] = []
                if !needed.isSubset(of: known) {
                    created = try await ClusterSchema.ensurePartitions(
                        for: entries.map(\.event.time.microseconds), on: connection, logger: logger)
                }
                do {
                    try await Self.ship(entries, chain: chain, on: connection, logger: logger) {
                        try await ClusterEvents.insert(entries, chain: chain, skippingDuplicates: false, on: connection, logger: logger)
                    }
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == Self.uniqueViolation {
                    // Part of the batch is there already (a re-send after a lost answer): skip what is.
                    try await Self.ship(entries, chain: chain, on: connection, logger: logger) {
                        try await ClusterEvents.insert(entries, chain: chain, skippingDuplicates: true, on: connection, logger: logger)
                    }
                }
                return created
            }
            if !created.isEmpty { partitions.withLock { $0.formUnion(created) } }
            return .delivered
        } catch let conflict as ChainConflict {
            logger.critical(
                "Another journal ships to PostgreSQL under this node's name: give every node its own node: name. Shipping to PostgreSQL stopped; the journal keeps every event.",
                metadata: ["node": "\(chain)", "detail": "\(conflict.detail)"])
            return .rejected(reason: "another journal ships under node name \(chain): \(conflict.detail)")
        } catch {
            return .retry(reason: Self.describe(error))
        }
    }

    /// SQLSTATE `unique_violation`.
    static let uniqueViolation = "23505"

    /// One transaction: checks that the batch continues `chain`, runs `write`, announces the commit.
    private static func ship(
        _ entries: [JournalEntry], chain: String, on connection: PostgresConnection, logger: Logger,
        write: () async throws -> Void
    ) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            if let conflict = try await chainConflict(entries[0], chain: chain, on: connection, logger: logger) {
                throw ChainConflict(detail: conflict)
            }
            try await write()
            try await connection.query("SELECT pg_notify(\(ClusterSchema.eventsChannel), \(chain))", logger: logger)
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    struct ChainConflict: Error {
        var detail: String
    }

    /// Why `first` (a batch's first entry) cannot continue `chain` as PostgreSQL holds it, or nil: the row
    /// before it must be the one it links to, and a row at its own sequence must be itself (a re-sent batch).
    /// Two nodes sharing one `node:` name would otherwise merge two chains into one broken one.
    static func chainConflict(_ first: JournalEntry, chain: String, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query("""
            SELECT seq, id, hash FROM readaudit.events WHERE chain = \(chain) AND seq IN (\(first.sequence - 1), \(first.sequence))
            """, logger: logger)
        for try await (sequence, id, hash) in rows.decode((Int64, String, ByteBuffer).self) {
            if sequence == first.sequence, id != first.event.id.rawValue {
                return "entry \(sequence) in PostgreSQL is another event"
            }
            if sequence == first.sequence - 1, Array(hash.readableBytesView) != first.previousHash.bytes {
                return "entry \(sequence) in PostgreSQL is not the one entry \(first.sequence) links to"
            }
        }
        return nil
    }

    /// A short reason for logs and `audit.sink_degraded`: PostgreSQL's SQLSTATE and message when it answered.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState], let message = error.serverInfo?[.message] {
                return "PostgreSQL \(state): \(message)"
            }
            return "PostgreSQL connection: \(error.code)"
        }
        return String("\(error)".prefix(200))
    }
}
