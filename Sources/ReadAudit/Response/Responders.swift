import Foundation

/// An automated response to an alert: blocks, revokes, or tells someone. The dispatcher audits each run.
public protocol Responder: Sendable {
    /// The kind named in configuration (`block`, `revoke`, `soar`) and in `response.<kind>` events.
    var kind: String { get }
    /// Acts on `alert` (an `alert.<rule>` journal entry); returns facts for the audit event, or throws.
    func respond(to alert: JournalEntry) async throws -> [String: String]
}

/// Why a responder could not act.
public struct ResponderError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Puts the alert's agent on the gateway's deny list: their next read is refused with `agent_blocked`.
public struct DenyListResponder: Responder {
    public let kind = "block"
    let denyList: any AgentDenyList
    let clock: any WallClock

    public init(denyList: any AgentDenyList, clock: any WallClock) {
        self.denyList = denyList
        self.clock = clock
    }

    public func respond(to alert: JournalEntry) async throws -> [String: String] {
        guard let agent = alert.event.agent else { throw ResponderError("the alert names no agent") }
        let added = try await denyList.block(BlockedAgent(
            agentId: agent, reason: "\(alert.event.action) \(alert.event.id)", blockedBy: Finding.detectorSource,
            blockedAt: clock.now()))
        return ["blocked": added ? "added" : "already_blocked"]
    }
}

/// Revokes the alert's agent's Genesys OAuth tokens, logging them out of Genesys everywhere.
public struct TokenRevocationResponder: Responder {
    public let kind = "revoke"
    let revoker: any TokenRevoker

    public init(revoker: any TokenRevoker) { self.revoker = revoker }

    public func respond(to alert: JournalEntry) async throws -> [String: String] {
        guard let agent = alert.event.agent else { throw ResponderError("the alert names no agent") }
        try await revoker.revokeTokens(userId: agent)
        return [:]
    }
}

/// POSTs the alert to a SOAR webhook, signed exactly like the webhook sink (it is the webhook sink, sending
/// a batch of one): a JSON array holding the alert's export object, `X-ReadAudit-Signature` over the body.
public struct SOARWebhookResponder: Responder {
    public let kind = "soar"
    let sink: WebhookSink
    let clock: any WallClock

    public init(sink: WebhookSink, clock: any WallClock) {
        self.sink = sink
        self.clock = clock
    }

    public func respond(to alert: JournalEntry) async throws -> [String: String] {
        switch await sink.deliver(SinkBatch(entries: [alert], now: clock.now())) {
        case .delivered: return [:]
        case let other: throw ResponderError("the SOAR webhook did not take the alert: \(other)")
        }
    }
}
