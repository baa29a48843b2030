import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Acceptance 1: the inline checks over HTTP, with the Genesys stub built to the documented shapes.
@Suite struct GenesysScenarioTests {
    static let agent = TestCredentials.agentId
    static let interaction = TestCredentials.interactionId
    static let otherAgent = "11111111-2222-4333-8444-555555555555"

    static func read(_ client: some TestClientProtocol, userIdHeader: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: TestCredentials.bearer, .contentType: "application/json"]
        if let userIdHeader { headers[HTTPField.Name("ININ-User-Id")!] = userIdHeader }
        return try await client.execute(
            uri: "/v1/customer-data", method: .post, headers: headers, body: ByteBuffer(string: TestCredentials.body(customerId: "C-1")))
    }

    static func errorCode(_ response: TestResponse) -> String? {
        guard let members = (try? JSONParser.parse(Array(buffer: response.body)))?.objectMembers,
            let error = members.first(where: { $0.0 == "error" })?.1.objectMembers,
            case .string(let code)? = error.first(where: { $0.0 == "code" })?.1
        else { return nil }
        return code
    }

    /// Runs a gateway in front of the stub CRM and the stub Genesys, with `checks` applied.
    static func withGateway(
        checks: (inout ChecksConfiguration) -> Void = { _ in }, setUp: (StubGenesys, ManualClock) -> Void = { _, _ in },
        _ body: @escaping @Sendable (TestGateway, StubGenesys, StubCRM, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await StubCRM().run { crm in
            try await StubGenesys().run { genesys in
                let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) { configuration in
                    configuration.genesys = genesys.configuration
                    configuration.checks = ChecksConfiguration(participant: .enforce, recency: .enforce)
                    checks(&configuration.checks)
                }
                defer { gateway.directory.remove() }
                setUp(genesys, gateway.clock)
                try await gateway.application().test(.router) { client in try await body(gateway, genesys, crm, client) }
            }
        }
    }

    static func live(_ clock: ManualClock, agent: String = agent) -> StubGenesys.Conversation {
        StubGenesys.Conversation(
            startTime: AuditTime(microseconds: clock.now().microseconds - 120_000_000),
            participants: [.init(purpose: "customer"), .init(purpose: "agent", userId: agent)])
    }

    @Test func anAgentOnALiveCallIsServed() async throws {
        try await Self.withGateway(setUp: { genesys, clock in genesys.setConversation(Self.interaction, Self.live(clock)) }) { gateway, genesys, _, client in
            let response = try await Self.read(client, userIdHeader: Self.agent)
            #expect(response.status == .ok)
            let event = try #require(try await gateway.readEvents().last)
            #expect(event.outcome == .served)
            #expect(event.detail["interactionVerified"] == "yes")
            #expect(event.detail["interactionSource"] == "genesys")
            #expect(genesys.conversationRequests == [Self.interaction])
            #expect(genesys.tokenRequests.count == 1)
        }
    }

    @Test func aNonParticipantIsRefusedInEnforceModeBeforeTheCRMIsAsked() async throws {
        try await Self.withGateway(setUp: { genesys, clock in
            genesys.setConversation(Self.interaction, Self.live(clock, agent: Self.otherAgent))
        }) { gateway, _, crm, client in
            let response = try await Self.read(client)
            #expect(response.status == .forbidden)
            #expect(Self.errorCode(response) == "interaction_not_verified")
            #expect(crm.requestTargets.isEmpty)
            let event = try #require(try await gateway.readEvents().last)
            #expect(event.outcome == .denied && event.code == "interaction_not_verified")
            #expect(event.detail["interactionVerified"] == "no")
        }
    }

    @Test func aNonParticipantIsServedWithAnAlertEventInAlertMode() async throws {
        try await Self.withGateway(checks: { $0.participant = .alert; $0.recency = .alert }, setUp: { genesys, clock in
            genesys.setConversation(Self.interaction, Self.live(clock, agent: Self.otherAgent))
        }) { gateway, _, _, client in
            let response = try await Self.read(client)
            #expect(response.status == .ok)
            let events = try await gateway.entries().map(\.event)
            let read = try #require(events.last(where: { $0.action == .customerRead }))
            #expect(read.outcome == .served && read.detail["interactionVerified"] == "no")
            let alert = try #require(events.last(where: { $0.action == .alert("interaction_not_verified") }))
            #expect(alert.agent == Self.agent && alert.interaction == Self.interaction)
            #expect(alert.detail["readEvent"] == read.id.rawValue && alert.detail["check"] == "interaction_not_verified")
        }
    }

    @Test func aConversationThatEnded31MinutesAgoIsRefused() async throws {
        try await Self.withGateway(setUp: { genesys, clock in
            let now = clock.now().microseconds
            genesys.setConversation(Self.interaction, .init(
                startTime: AuditTime(microseconds: now - 3_600_000_000), endTime: AuditTime(microseconds: now - 31 * 60_000_000),
                participants: [.init(purpose: "agent", userId: Self.agent, endTime: AuditTime(microseconds: now - 31 * 60_000_000))]))
        }) { gateway, _, _, client in
            let response = try await Self.read(client)
            #expect(response.status == .forbidden)
            #expect(Self.errorCode(response) == "interaction_not_verified")
            let event = try #require(try await gateway.readEvents().last)
            #expect(event.detail["interactionEndedMinutesAgo"] == "31")
        }
    }

    @Test func aConversationThatEnded29MinutesAgoIsServed() async throws {
        try await Self.withGateway(setUp: { genesys, clock in
            let ended = AuditTime(microseconds: clock.now().microseconds - 29 * 60_000_000)
            genesys.setConversation(Self.interaction, .init(
                startTime: AuditTime(microseconds: ended.microseconds - 600_000_000), endTime: ended,
                participants: [.init(purpose: "agent", userId: Self.agent, endTime: ended)]))
        }) { _, _, _, client in
            let response = try await Self.read(client)
            #expect(response.status == .ok)
        }
    }

    @Test func aBodyAgentIdThatDiffersFromININUserIdIsRefused() async throws {
        try await Self.withGateway(setUp: { genesys, clock in genesys.setConversation(Self.interaction, Self.live(clock)) }) { gateway, _, crm, client in
            let response = try await Self.read(client, userIdHeader: Self.otherAgent)
            #expect(response.status == .forbidden)
            #expect(Self.errorCode(response) == "agent_mismatch")
            #expect(crm.requestTargets.isEmpty)
            #expect(try await gateway.readEvents().last?.outcome == .denied)
        }
    }

    @Test func aBlockedAgentIsRefused() async throws {
        try await Self.withGateway(setUp: { genesys, clock in genesys.setConversation(Self.interaction, Self.live(clock)) }) { gateway, _, _, client in
            #expect(try await gateway.denyList.block(BlockedAgent(agentId: Self.agent, reason: "test", blockedBy: "test", blockedAt: gateway.clock.now())))
            #expect(try await gateway.denyList.block(BlockedAgent(agentId: Self.agent, reason: "again", blockedBy: "test", blockedAt: gateway.clock.now())) == false)
            let response = try await Self.read(client)
            #expect(response.status == .forbidden)
            #expect(Self.errorCode(response) == "agent_blocked")
            let events = try await gateway.entries().map(\.event)
            #expect(events.filter { $0.action == .agentBlocked }.count == 1)
            #expect(events.last?.code == "agent_blocked")
        }
    }

    @Test func genesysUnreachableDeniesWhenConfiguredToFailClosed() async throws {
        try await Self.withGateway(checks: { $0.onGenesysUnavailable = .deny }, setUp: { genesys, _ in genesys.failing = true }) { gateway, _, _, client in
            let response = try await Self.read(client)
            #expect(response.status == .forbidden)
            #expect(Self.errorCode(response) == "interaction_not_verified")
            #expect(try await gateway.readEvents().last?.detail["interactionVerified"] == "unknown")
        }
    }

    @Test func genesysUnreachableAllowsWithAnAlertWhenConfiguredToFailOpen() async throws {
        try await Self.withGateway(checks: { $0.onGenesysUnavailable = .allow }, setUp: { genesys, _ in genesys.failing = true }) { gateway, _, _, client in
            #expect(try await Self.read(client).status == .ok)
            let events = try await gateway.entries().map(\.event)
            #expect(events.contains { $0.action == .alert("interaction_unverifiable") })
            #expect(events.last(where: { $0.action == .customerRead })?.detail["interactionVerified"] == "unknown")
        }
    }

    @Test func theConversationStateIsCachedForItsTTL() async throws {
        try await Self.withGateway(setUp: { genesys, clock in genesys.setConversation(Self.interaction, Self.live(clock)) }) { gateway, genesys, _, client in
            let first = try await Self.read(client), second = try await Self.read(client)
            #expect(first.status == .ok && second.status == .ok)
            #expect(genesys.conversationRequests.count == 1)
            gateway.clock.advance(by: .seconds(31))
            let third = try await Self.read(client)
            #expect(third.status == .ok)
            #expect(genesys.conversationRequests.count == 2)
        }
    }
}
