import Synchronization

/// A deny list held in memory only: the default when no persistent one is configured (a restart forgets
/// it). Also the test double of `AgentDenyList`.
public final class InMemoryDenyList: AgentDenyList {
    private let agents = Mutex<[BlockedAgent]>([])

    public init() {}

    public func isBlocked(_ agentId: String) -> Bool { agents.withLock { $0.contains { $0.agentId == agentId } } }

    public func block(_ agent: BlockedAgent) async throws -> Bool {
        agents.withLock { list in
            guard !list.contains(where: { $0.agentId == agent.agentId }) else { return false }
            list.append(agent)
            return true
        }
    }

    public func unblock(_ agentId: String, by: String) async throws -> Bool {
        agents.withLock { list in
            guard let index = list.firstIndex(where: { $0.agentId == agentId }) else { return false }
            list.remove(at: index)
            return true
        }
    }

    public func all() async throws -> [BlockedAgent] { agents.withLock { $0 } }
}
