import ArgumentParser
import Foundation
import Logging
import ReadAudit

/// `readaudit agents block|unblock|list`: the gateway's deny list, in the journal file. A running gateway
/// re-reads it within `checks.denyListRefreshMs` (one second by default). In multi-node mode the change is
/// also written to PostgreSQL, which notifies every node at once.
struct Agents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Block or unblock agents on the gateway's deny list (every read by a blocked agent is refused).",
        subcommands: [Block.self, Unblock.self, List.self])

    /// Opens the deny list of the configured journal with a running writer for its events.
    static func withDenyList<T: Sendable>(_ options: JournalOptions, _ body: @Sendable (any AgentDenyList) async throws -> T) async throws -> T {
        let configuration = try options.load()
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        // Not makeLogger: logging may be bootstrapped once per process, and tests run this command in-process.
        var logger = Logger(label: "readaudit.agents")
        logger.logLevel = .warning
        let store = try JournalStore(path: configuration.journalPath, busyTimeout: configuration.journalBusyTimeout)
        return try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
            let list = try await SQLiteDenyList(store: store, journal: journal, node: configuration.node, clock: SystemWallClock())
            guard let cluster = configuration.cluster else { return try await body(list) }
            let logger = logger
            return try await ClusterDatabase.withRunning(cluster.postgres, logger: logger) { database in
                try await body(ClusterDenyList(local: list, database: database, node: configuration.node, clock: SystemWallClock(), logger: logger))
            }
        }
    }

    static func checkAgentId(_ agent: String) throws {
        guard EventID.isCanonicalUUID(agent) else { throw ValidationError("--agent must be a Genesys user id (a UUID)") }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse every read by this agent (403 agent_blocked).")
        @OptionGroup var options: JournalOptions
        @Option(name: .long, help: "The agent's Genesys user id.") var agent: String
        @Option(name: .long, help: "Why (recorded in the agent.blocked event).") var reason: String

        func run() async throws {
            try Agents.checkAgentId(agent)
            let blocked = try await Agents.withDenyList(options) { list in
                try await list.block(BlockedAgent(agentId: agent, reason: reason, blockedBy: "cli:\(NSUserName())", blockedAt: SystemWallClock().now()))
            }
            print(blocked ? "Blocked \(agent)." : "\(agent) was already blocked.")
        }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow this agent's reads again.")
        @OptionGroup var options: JournalOptions
        @Option(name: .long, help: "The agent's Genesys user id.") var agent: String

        func run() async throws {
            try Agents.checkAgentId(agent)
            let removed = try await Agents.withDenyList(options) { list in try await list.unblock(agent, by: "cli:\(NSUserName())") }
            print(removed ? "Unblocked \(agent)." : "\(agent) was not blocked.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the blocked agents, oldest first.")
        @OptionGroup var options: JournalOptions

        func run() async throws {
            let agents = try await Agents.withDenyList(options) { list in try await list.all() }
            if agents.isEmpty { print("No agent is blocked.") }
            for agent in agents { print("\(agent.agentId)\t\(agent.blockedAt)\t\(agent.blockedBy)\t\(agent.reason)") }
        }
    }
}
