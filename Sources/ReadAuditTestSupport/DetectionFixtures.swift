import ReadAudit

/// Builds journal entries for detection tests: explicit sequence numbers and event times, no chain.
public struct EntryFactory: Sendable {
    /// Event time of second 0.
    public var origin: AuditTime
    private(set) var sequence: Int64 = 0

    public init(origin: AuditTime = AuditTime(microseconds: 1_795_000_000_000_000)) { self.origin = origin }

    /// The time `seconds` after the origin.
    public func time(_ seconds: Double) -> AuditTime {
        AuditTime(microseconds: origin.microseconds + Int64(seconds * 1_000_000))
    }

    /// A `customer.read` draft at `seconds` after the origin.
    public func readDraft(
        agent: String?, customer: String?, interaction: String? = "ix-1", at seconds: Double, outcome: AuditOutcome = .served,
        code: String? = nil, credential: String? = "genesys", detail: [String: String] = [:]
    ) -> AuditEventDraft {
        let time = time(seconds)
        return AuditEventDraft(
            id: .make(at: time), time: time, node: "test", action: .customerRead, outcome: outcome, code: code,
            credential: credential, agent: agent, interaction: interaction, customer: customer, detail: detail)
    }

    /// The next entry holding `draft`.
    public mutating func entry(_ draft: AuditEventDraft) -> JournalEntry {
        sequence += 1
        return JournalEntry(sequence: sequence, event: draft, previousHash: .genesis, hash: .genesis)
    }

    /// The next entry: a `customer.read` at `seconds` after the origin.
    public mutating func read(
        agent: String? = "agent-1", customer: String? = "c-1", interaction: String? = "ix-1", at seconds: Double,
        outcome: AuditOutcome = .served, code: String? = nil, credential: String? = "genesys", detail: [String: String] = [:]
    ) -> JournalEntry {
        entry(readDraft(
            agent: agent, customer: customer, interaction: interaction, at: seconds, outcome: outcome, code: code,
            credential: credential, detail: detail))
    }
}

extension DetectionRule {
    /// Every finding the rule raises over `entries`, in order.
    public mutating func findings(_ entries: [JournalEntry]) -> [Finding] { entries.flatMap { observe($0) } }
}
