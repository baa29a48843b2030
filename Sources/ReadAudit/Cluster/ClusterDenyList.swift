import Logging
import PostgresNIO
import Synchronization

/// The deny list of a multi-node deployment: `readaudit.deny_list` in PostgreSQL is the cluster's list, and
/// each node's SQLite copy (`SQLiteDenyList`) is the last known list, which answers every read. A block or
/// unblock made on any node (admin API, CLI, detector) is written there, then to PostgreSQL with a NOTIFY on
/// `readaudit_deny_list`; every node re-reads the list when notified and every `denyListResync`.
///
/// PostgreSQL away never unblocks anyone: the local copy stays in force, a block made meanwhile holds
/// locally and is pushed at the next successful resync. Rows in PostgreSQL are never deleted: an unblock
/// stamps `unblocked_us`, so a node coming back with an older block learns it was lifted, and one with a newer
/// block re-imposes it.
public final class ClusterDenyList: AgentDenyList {
    public let local: SQLiteDenyList
    let database: ClusterDatabase
    let node: String
    let clock: any WallClock
    let logger: Logger
    /// Resyncs and changes one at a time, so a resync never undoes a change it did not see.
    private let serial = AsyncSerialLock()

    public init(local: SQLiteDenyList, database: ClusterDatabase, node: String, clock: any WallClock, logger: Logger) {
        self.local = local
        self.database = database
        self.node = node
        self.clock = clock
        self.logger = logger
    }

    public func isBlocked(_ agentId: String) -> Bool { local.isBlocked(agentId) }

    public func block(_ agent: BlockedAgent) async throws -> Bool {
        try await serial.run {
            // Local first: the block holds on this node whatever PostgreSQL does.
            let added = try await local.block(agent)
            do {
                try await push(agent)
            } catch {
                logger.warning(
                    "A block holds on this node but has not reached PostgreSQL yet; it is pushed at the next resync",
                    metadata: ["error": "\(PostgresSink.describe(error))"])
            }
            return added
        }
    }

    /// Unblocks in PostgreSQL first: an unblock that cannot reach the cluster fails (the agent stays blocked
    /// everywhere), rather than lifting the block on this node alone until the next resync re-imposes it.
    public func unblock(_ agentId: String, by: String) async throws -> Bool {
        try await serial.run {
            let key = agentId.lowercased()
            let now = clock.now().microseconds
            let lifted = try await database.withTransaction { connection in
                let rows = try await connection.query("""
                    UPDATE readaudit.deny_list SET unblocked_by = \(by), unblocked_us = \(now)
                    WHERE agent = \(key) AND unblocked_us IS NULL RETURNING 1
                    """, logger: self.logger).collect().count
                try await connection.query("SELECT pg_notify(\(ClusterSchema.denyListChannel), \(key))", logger: self.logger)
                return rows > 0
            }
            let removed = try await local.unblock(key, by: by)
            // Lifted in the cluster but not held here (this node had not heard of the block yet): the unblock
            // is still this node's act, so it is still recorded in this node's chain.
            if lifted && !removed { try await local.record(.agentUnblocked, agent: key, detail: ["by": by]) }
            return lifted || removed
        }
    }

    /// The cluster's list when PostgreSQL answers, else this node's last known copy.
    public func all() async throws -> [BlockedAgent] {
        do {
            return try await clusterList().filter { $0.unblockedAt == nil }.map(\.agent)
        } catch {
            return try await local.all()
        }
    }

    /// Makes the local copy agree with PostgreSQL, pushing local blocks PostgreSQL lacks (or holds as lifted
    /// before they were made). Throws, changing nothing, when PostgreSQL cannot be read.
    public func resync() async throws {
        try await serial.run {
            let cluster = Dictionary(try await clusterList().map { ($0.agent.agentId, $0) }, uniquingKeysWith: { first, _ in first })
            var removed: [String] = []
            for agent in try await local.all() {
                guard let row = cluster[agent.agentId] else {
                    try await push(agent)
                    continue
                }
                if let lifted = row.unblockedAt {
                    if lifted.microseconds >= agent.blockedAt.microseconds { removed.append(agent.agentId) } else { try await push(agent) }
                }
            }
            let added = cluster.values.filter { $0.unblockedAt == nil && !local.isBlocked($0.agent.agentId) }.map(\.agent)
            if !added.isEmpty || !removed.isEmpty {
                logger.info("Deny list updated from the cluster", metadata: ["added": "\(added.count)", "removed": "\(removed.count)"])
            }
            try await local.mirror(adding: added, removing: removed)
        }
    }

    /// Writes one block to PostgreSQL (re-imposing it when it was lifted earlier) and notifies every node.
    private func push(_ agent: BlockedAgent) async throws {
        let key = agent.agentId.lowercased()
        let node = self.node
        try await database.withTransaction { connection in
            try await connection.query("""
                INSERT INTO readaudit.deny_list AS d (agent, reason, blocked_by, blocked_us, node)
                VALUES (\(key), \(agent.reason), \(agent.blockedBy), \(agent.blockedAt.microseconds), \(node))
                ON CONFLICT (agent) DO UPDATE SET reason = excluded.reason, blocked_by = excluded.blocked_by,
                    blocked_us = excluded.blocked_us, node = excluded.node, unblocked_by = NULL, unblocked_us = NULL
                WHERE d.unblocked_us IS NOT NULL AND d.unblocked_us < excluded.blocked_us
                """, logger: self.logger)
            try await connection.query("SELECT pg_notify(\(ClusterSchema.denyListChannel), \(key))", logger: self.logger)
        }
    }

    struct Row: Sendable {
        var agent: BlockedAgent
        var unblockedAt: AuditTime?
    }

    private func clusterList() async throws -> [Row] {
        let logger = self.logger
        return try await database.withConnection { connection in
            var rows: [Row] = []
            let result = try await connection.query(
                "SELECT agent, reason, blocked_by, blocked_us, unblocked_us FROM readaudit.deny_list ORDER BY blocked_us, agent", logger: logger)
            for try await (agent, reason, by, at, lifted) in result.decode((String, String, String, Int64, Int64?).self) {
                rows.append(Row(
                    agent: BlockedAgent(agentId: agent, reason: reason, blockedBy: by, blockedAt: AuditTime(microseconds: at)),
                    unblockedAt: lifted.map(AuditTime.init(microseconds:))))
            }
            return rows
        }
    }
}

/// A FIFO lock for async code: `run` bodies never overlap, even across suspension points (an actor's would).
final class AsyncSerialLock: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.held {
                    state.waiters.append(continuation)
                    return false
                }
                state.held = true
                return true
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
