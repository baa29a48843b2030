import GRDB
import Logging
import ServiceLifecycle
import Synchronization

/// The deny list in the journal's SQLite file (table `deny_list`): held in memory for reads, every change
/// committed (fsync) and recorded as an `agent.blocked` / `agent.unblocked` event before it returns.
public final class SQLiteDenyList: AgentDenyList {
    private let store: JournalStore
    private let journal: any AuditJournal
    private let node: String
    private let clock: any WallClock
    private let blocked = Mutex<[String: BlockedAgent]>([:])

    /// Opens the list and loads it.
    public init(store: JournalStore, journal: any AuditJournal, node: String, clock: any WallClock) async throws {
        self.store = store
        self.journal = journal
        self.node = node
        self.clock = clock
        try await reload()
    }

    public func isBlocked(_ agentId: String) -> Bool {
        blocked.withLock { $0[agentId.lowercased()] != nil }
    }

    public func block(_ agent: BlockedAgent) async throws -> Bool {
        let key = agent.agentId.lowercased()
        let inserted = try await store.pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO deny_list (agent, reason, blocked_by, blocked_us) VALUES (?, ?, ?, ?)",
                arguments: [key, agent.reason, agent.blockedBy, agent.blockedAt.microseconds])
            return db.changesCount > 0
        }
        var stored = agent
        stored.agentId = key
        blocked.withLock { $0[key] = $0[key] ?? stored }
        guard inserted else { return false }
        try await record(.agentBlocked, agent: key, detail: ["reason": agent.reason, "by": agent.blockedBy])
        return true
    }

    /// Removes the agent, naming who did it in the `agent.unblocked` event.
    public func unblock(_ agentId: String, by: String) async throws -> Bool {
        let key = agentId.lowercased()
        let deleted = try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM deny_list WHERE agent = ?", arguments: [key])
            return db.changesCount > 0
        }
        _ = blocked.withLock { $0.removeValue(forKey: key) }
        guard deleted else { return false }
        try await record(.agentUnblocked, agent: key, detail: ["by": by])
        return true
    }

    /// Makes this node's copy agree with the cluster's list (multi-node mode): adds and removes rows without
    /// recording events, since the node where each change was made recorded it in its own chain.
    public func mirror(adding added: [BlockedAgent], removing removed: [String]) async throws {
        guard !added.isEmpty || !removed.isEmpty else { return }
        try await store.pool.write { db in
            for agent in added {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO deny_list (agent, reason, blocked_by, blocked_us) VALUES (?, ?, ?, ?)",
                    arguments: [agent.agentId.lowercased(), agent.reason, agent.blockedBy, agent.blockedAt.microseconds])
            }
            for agent in removed {
                try db.execute(sql: "DELETE FROM deny_list WHERE agent = ?", arguments: [agent.lowercased()])
            }
        }
        try await reload()
    }

    public func all() async throws -> [BlockedAgent] {
        try await Self.read(store)
    }

    /// Re-reads the table, picking up changes made by another process (the CLI).
    public func reload() async throws {
        let agents = try await Self.read(store)
        blocked.withLock { $0 = Dictionary(agents.map { ($0.agentId, $0) }, uniquingKeysWith: { first, _ in first }) }
    }

    static func read(_ store: JournalStore) async throws -> [BlockedAgent] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT agent, reason, blocked_by, blocked_us FROM deny_list ORDER BY blocked_us, agent").map {
                BlockedAgent(agentId: $0[0], reason: $0[1], blockedBy: $0[2], blockedAt: AuditTime(microseconds: $0[3]))
            }
        }
    }

    func record(_ action: AuditAction, agent: String, detail: [String: String]) async throws {
        let time = clock.now()
        _ = try await journal.append(AuditEventDraft(
            id: .make(at: time), time: time, node: node, action: action, outcome: .ok, credential: detail["by"], agent: agent,
            detail: detail))
    }
}

/// Re-reads the deny list every `interval`, so a block made by the CLI (another process) is seen quickly.
public struct DenyListRefresher: Service {
    public let denyList: SQLiteDenyList
    public let interval: Duration
    public let logger: Logger

    public init(denyList: SQLiteDenyList, interval: Duration = .seconds(1), logger: Logger) {
        self.denyList = denyList
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await denyList.reload()
            } catch {
                logger.warning("Could not re-read the deny list; the previous copy stays in force", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// An empty deny list that refuses changes: the default for ports built without a journal file.
public struct EmptyDenyList: AgentDenyList {
    public init() {}
    public func isBlocked(_ agentId: String) -> Bool { false }
    public func block(_ agent: BlockedAgent) async throws -> Bool { throw GenesysError("this gateway has no persistent deny list") }
    public func unblock(_ agentId: String, by: String) async throws -> Bool { false }
    public func all() async throws -> [BlockedAgent] { [] }
}
