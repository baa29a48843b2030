/// An agent on the gateway's deny list: every read by them is refused with 403 `agent_blocked`.
public struct BlockedAgent: Sendable, Equatable {
    /// The Genesys user id (a UUID), as reads carry it in `agentId`.
    public var agentId: String
    /// Why: an alert's rule and event id, or an operator's words.
    public var reason: String
    /// Who blocked: `detector`, `cli:<user>`, `admin:<credential>`.
    public var blockedBy: String
    public var blockedAt: AuditTime

    public init(agentId: String, reason: String, blockedBy: String, blockedAt: AuditTime) {
        self.agentId = agentId
        self.reason = reason
        self.blockedBy = blockedBy
        self.blockedAt = blockedAt
    }
}

/// The gateway's deny list: read on every request (so in memory), changed rarely (and persisted).
/// A change that has returned is durable; a restart never unblocks anyone.
public protocol AgentDenyList: Sendable {
    /// True when reads by this agent must be refused. Never touches the disk.
    func isBlocked(_ agentId: String) -> Bool
    /// Adds the agent; returns false when they were already blocked (so one incident blocks once).
    func block(_ agent: BlockedAgent) async throws -> Bool
    /// Removes the agent, naming who did it; returns false when they were not blocked.
    func unblock(_ agentId: String, by: String) async throws -> Bool
    /// Everyone blocked, oldest first.
    func all() async throws -> [BlockedAgent]
}

/// Revokes every OAuth token of a Genesys user (`DELETE /api/v2/tokens/{userId}`), logging them out.
public protocol TokenRevoker: Sendable {
    func revokeTokens(userId: String) async throws
}

extension AgentDenyList {
    /// Removes the agent without naming who did it.
    public func unblock(_ agentId: String) async throws -> Bool { try await unblock(agentId, by: "unknown") }
}
