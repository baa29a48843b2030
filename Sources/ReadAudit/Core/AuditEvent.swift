import Foundation

/// What an audit event is about. Open-ended: later features add actions without breaking old journals.
public struct AuditAction: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// An agent's attempt to read a customer record through `POST /v1/customer-data`.
    public static let customerRead = AuditAction(rawValue: "customer.read")
    /// The gateway started serving (PCI DSS 10.2.1.6).
    public static let gatewayStart = AuditAction(rawValue: "gateway.start")
    /// The gateway stopped serving (PCI DSS 10.2.1.6).
    public static let gatewayStop = AuditAction(rawValue: "gateway.stop")
    /// Someone verified the journal's chain (PCI DSS 10.2.1.3).
    public static let auditVerify = AuditAction(rawValue: "audit.verify")
    /// Someone queried the journal for an access report (PCI DSS 10.2.1.3).
    public static let auditReport = AuditAction(rawValue: "audit.report")
    /// A sink refused one event for its content; it was skipped there, and stays in the journal (alert).
    public static let sinkRejected = AuditAction(rawValue: "audit.sink_rejected")
    /// A sink has been failing past its threshold, or refuses us: its copy is falling behind (PCI DSS 10.7.2).
    public static let sinkDegraded = AuditAction(rawValue: "audit.sink_degraded")
    /// A degraded sink accepts events again; its backlog is being delivered.
    public static let sinkRecovered = AuditAction(rawValue: "audit.sink_recovered")
    /// A request to the admin API (who, which operation, with what result).
    public static let adminRequest = AuditAction(rawValue: "admin.request")
    /// `readaudit sinks test` sent this event to every sink.
    public static let sinkTest = AuditAction(rawValue: "audit.sink_test")
    /// A Genesys conversation start/end event received on `POST /v1/interactions/events`.
    public static let interactionEvent = AuditAction(rawValue: "interaction.event")
    /// An agent was put on the gateway's deny list.
    public static let agentBlocked = AuditAction(rawValue: "agent.blocked")
    /// An agent was taken off the gateway's deny list.
    public static let agentUnblocked = AuditAction(rawValue: "agent.unblocked")

    /// A finding: an inline check served in alert mode, or (later) a detector rule.
    public static func alert(_ name: String) -> AuditAction { AuditAction(rawValue: "alert." + name) }
}

/// How an attempt ended. Every attempt is recorded, not only the successful ones.
public struct AuditOutcome: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The record was handed to the caller.
    public static let served = AuditOutcome(rawValue: "served")
    /// The caller was refused (authentication or policy).
    public static let denied = AuditOutcome(rawValue: "denied")
    /// The request was malformed and never reached the CRM.
    public static let invalid = AuditOutcome(rawValue: "invalid")
    /// The CRM has no such customer.
    public static let notFound = AuditOutcome(rawValue: "not_found")
    /// The CRM failed, timed out or answered garbage.
    public static let upstreamError = AuditOutcome(rawValue: "upstream_error")
    /// A non-read action completed (start, stop, verify, report).
    public static let ok = AuditOutcome(rawValue: "ok")
    /// A non-read action found a problem (a verification that failed).
    public static let failed = AuditOutcome(rawValue: "failed")
}

/// An audit event as the gateway states it, before the journal gives it a place in the chain.
///
/// Holds field *names*, never field values: the journal answers "which data", not "what data".
public struct AuditEventDraft: Sendable, Equatable {
    public var id: EventID
    public var time: AuditTime
    public var node: String
    public var action: AuditAction
    public var outcome: AuditOutcome
    /// The stable error code when the attempt failed (`customer_not_found`, `unauthenticated`, ...).
    public var code: String?
    /// Name of the integration credential that called, when it authenticated.
    public var credential: String?
    public var agent: String?
    public var interaction: String?
    public var customer: String?
    /// Names of the fields handed to the caller.
    public var fields: [String]
    /// Names of the fields handed over masked.
    public var masked: [String]
    /// Network origin of the request (PCI DSS 10.2.2 "origination").
    public var source: String?
    /// Genesys context headers (`ININ-Correlation-Id`, `ININ-User-Id`, ...), keyed by lower-cased name.
    public var genesys: [String: String]
    /// Action-specific facts (never customer data values).
    public var detail: [String: String]

    public init(
        id: EventID, time: AuditTime, node: String, action: AuditAction, outcome: AuditOutcome,
        code: String? = nil, credential: String? = nil, agent: String? = nil, interaction: String? = nil,
        customer: String? = nil, fields: [String] = [], masked: [String] = [], source: String? = nil,
        genesys: [String: String] = [:], detail: [String: String] = [:]
    ) {
        self.id = id
        self.time = time
        self.node = node
        self.action = action
        self.outcome = outcome
        self.code = code
        self.credential = credential
        self.agent = agent
        self.interaction = interaction
        self.customer = customer
        self.fields = fields
        self.masked = masked
        self.source = source
        self.genesys = genesys
        self.detail = detail
    }
}

/// An event sealed into the journal: a sequence number and its link in the hash chain.
public struct JournalEntry: Sendable, Equatable {
    public var sequence: Int64
    public var event: AuditEventDraft
    public var previousHash: ChainHash
    public var hash: ChainHash

    public init(sequence: Int64, event: AuditEventDraft, previousHash: ChainHash, hash: ChainHash) {
        self.sequence = sequence
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Seals `event` as the entry after `previousHash`, computing its hash over the canonical encoding.
    public static func seal(_ event: AuditEventDraft, sequence: Int64, after previousHash: ChainHash) -> JournalEntry {
        let hash = CanonicalEncoding.hash(of: event, sequence: sequence, previousHash: previousHash)
        return JournalEntry(sequence: sequence, event: event, previousHash: previousHash, hash: hash)
    }
}
