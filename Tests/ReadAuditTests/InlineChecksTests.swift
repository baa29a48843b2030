import ReadAudit
import Testing

/// The inline checks as a pure function: no sockets, no clock.
@Suite struct InlineChecksTests {
    static let agent = "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f"
    static let request = CustomerDataRequest(customerId: "C-1", agentId: agent, interactionId: "0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d")
    static let now = AuditTime(microseconds: 1_795_000_000_000_000)
    static let enforce = InlineChecks(configuration: ChecksConfiguration(participant: .enforce, recency: .enforce))

    static func state(agent: String = agent, endedMinutesAgo: Int64? = nil) -> InteractionLookup {
        let end = endedMinutesAgo.map { AuditTime(microseconds: now.microseconds - $0 * 60_000_000) }
        return .known(
            ConversationState(startTime: nil, endTime: end, participants: [.init(purpose: "agent", userId: agent, endTime: end)]),
            source: .genesys)
    }

    @Test func aLiveParticipantPassesEveryCheck() {
        let verdict = Self.enforce.evaluate(Self.request, userIdHeader: Self.agent.uppercased(), isBlocked: false, interaction: Self.state(), now: Self.now)
        #expect(verdict.refusal == nil && verdict.findings.isEmpty)
        #expect(verdict.detail["interactionVerified"] == "yes" && verdict.detail["agentMatchesHeader"] == "yes")
    }

    @Test func aBlockedAgentIsRefusedFirst() {
        let verdict = Self.enforce.evaluate(Self.request, userIdHeader: "x", isBlocked: true, interaction: Self.state(agent: "other"), now: Self.now)
        #expect(verdict.refusal?.code == .agentBlocked)
        #expect(verdict.findings.map(\.check) == [.agentBlocked, .agentMismatch, .interactionNotVerified])
    }

    @Test func theRecencyWindowIsInclusiveOfThirtyMinutes() {
        let thirty = Self.enforce.evaluate(Self.request, userIdHeader: nil, isBlocked: false, interaction: Self.state(endedMinutesAgo: 30), now: Self.now)
        #expect(thirty.refusal == nil)
        let late = Self.enforce.evaluate(Self.request, userIdHeader: nil, isBlocked: false, interaction: Self.state(endedMinutesAgo: 31), now: Self.now)
        #expect(late.refusal?.code == .interactionNotVerified)
    }

    @Test func alertModeServesAndReportsTheFinding() {
        let checks = InlineChecks(configuration: ChecksConfiguration(participant: .alert, recency: .alert))
        let verdict = checks.evaluate(Self.request, userIdHeader: nil, isBlocked: false, interaction: .notFound, now: Self.now)
        #expect(verdict.refusal == nil)
        #expect(verdict.alerts.map(\.check) == [.interactionNotVerified])
    }

    @Test func offModeRecordsNothing() {
        let checks = InlineChecks(configuration: ChecksConfiguration(participant: .off, recency: .off, agentMatch: .off, denyList: .off))
        let verdict = checks.evaluate(Self.request, userIdHeader: "x", isBlocked: true, interaction: .notFound, now: Self.now)
        #expect(verdict.refusal == nil && verdict.findings.isEmpty && verdict.detail.isEmpty)
    }
}
