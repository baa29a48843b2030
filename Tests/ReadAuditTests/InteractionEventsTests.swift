import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// `POST /v1/interactions/events`: both envelopes accepted, malformed ones refused and recorded, and the
/// registry answers reads from pushed events without asking Genesys.
@Suite struct InteractionEventsTests {
    static let agent = TestCredentials.agentId
    static let interaction = TestCredentials.interactionId

    static func notification(kind: String = "start", conversation: String = interaction, user: String = agent, time: Int64) -> String {
        #"{"topicName":"v2.detail.events.conversation.\#(conversation).user.\#(kind)","version":"2","eventBody":{"eventTime":\#(time),"conversationId":"\#(conversation)","participantId":"p-1","sessionId":"s-1","mediaType":"VOICE","direction":"INBOUND","userId":"\#(user)","queueId":"q-1"},"metadata":{"CorrelationId":"corr-9"}}"#
    }

    static func eventBridge(kind: String = "start", time: Int64) -> String {
        #"{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"v2.detail.events.conversation.\#(interaction).user.\#(kind)","source":"aws.partner/genesys.com/cloud/org-id/readaudit","account":"123456789012","time":"2026-01-01T10:00:00Z","region":"us-east-1","resources":[],"detail":\#(notification(kind: kind, time: time))}"#
    }

    static func post(_ client: some TestClientProtocol, _ body: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/interactions/events", method: .post,
            headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"], body: ByteBuffer(string: body))
    }

    static func withGateway(_ body: @escaping @Sendable (TestGateway, StubGenesys, any TestClientProtocol) async throws -> Void) async throws {
        try await StubCRM().run { crm in
            try await StubGenesys().run { genesys in
                let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) { configuration in
                    configuration.genesys = genesys.configuration
                    configuration.checks = ChecksConfiguration(participant: .enforce, recency: .enforce)
                }
                defer { gateway.directory.remove() }
                try await gateway.application().test(.router) { client in try await body(gateway, genesys, client) }
            }
        }
    }

    @Test func theRegistryAnswersFromPushedEventsWithoutCallingGenesys() async throws {
        try await Self.withGateway { gateway, genesys, client in
            let now = gateway.clock.now().microseconds / 1000
            #expect(try await Self.post(client, Self.notification(time: now - 60_000)).status == .accepted)
            let read = try await GenesysScenarioTests.read(client)
            #expect(read.status == .ok)
            #expect(genesys.conversationRequests.isEmpty && genesys.tokenRequests.isEmpty)
            let event = try #require(try await gateway.readEvents().last)
            #expect(event.detail["interactionSource"] == "pushed" && event.detail["interactionVerified"] == "yes")
        }
    }

    @Test func anEndEventOlderThanTheWindowMakesTheNextReadRefused() async throws {
        try await Self.withGateway { gateway, genesys, client in
            let now = gateway.clock.now().microseconds / 1000
            #expect(try await Self.post(client, Self.eventBridge(time: now - 3_600_000)).status == .accepted)
            #expect(try await Self.post(client, Self.eventBridge(kind: "end", time: now - 31 * 60_000)).status == .accepted)
            let read = try await GenesysScenarioTests.read(client)
            #expect(read.status == .forbidden)
            #expect(GenesysScenarioTests.errorCode(read) == "interaction_not_verified")
            #expect(genesys.conversationRequests.isEmpty)
        }
    }

    @Test func bothEnvelopesAreAcceptedAndRecordedWithoutCustomerData() async throws {
        try await Self.withGateway { gateway, _, client in
            #expect(try await Self.post(client, Self.notification(time: 1_700_000_000_000)).status == .accepted)
            #expect(try await Self.post(client, Self.eventBridge(kind: "end", time: 1_700_000_100_000)).status == .accepted)
            let events = try await gateway.entries().map(\.event).filter { $0.action == .interactionEvent }
            #expect(events.count == 2)
            #expect(events.map { $0.detail["envelope"] } == ["notification", "eventbridge"])
            #expect(events.map { $0.detail["kind"] } == ["start", "end"])
            #expect(events.allSatisfy { $0.outcome == .ok && $0.agent == Self.agent && $0.interaction == Self.interaction && $0.customer == nil })
            #expect(events.allSatisfy { $0.credential == TestCredentials.name })
        }
    }

    @Test(arguments: [
        ("{", "invalid_json"),
        (#"{"topicName":"v2.users.x.presence","eventBody":{}}"#, "invalid_format"),
        (#"{"topicName":"v2.detail.events.conversation.0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d.user.start"}"#, "missing_field"),
        (#"{"detail-type":"x","source":"aws.partner/other.com/x","detail":{}}"#, "invalid_format"),
    ])
    func malformedEventsAreRefusedWith400AndRecorded(body: String, code: String) async throws {
        try await Self.withGateway { gateway, _, client in
            let response = try await Self.post(client, body)
            #expect(response.status == .badRequest)
            #expect(GenesysScenarioTests.errorCode(response) == code)
            let event = try #require(try await gateway.entries().map(\.event).last(where: { $0.action == .interactionEvent }))
            #expect(event.outcome == .invalid && event.code == code)
        }
    }

    @Test func anEventWithoutCredentialsIsRefusedAndRecorded() async throws {
        try await Self.withGateway { gateway, _, client in
            let response = try await client.execute(
                uri: "/v1/interactions/events", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: Self.notification(time: 1)))
            #expect(response.status == .unauthorized)
            #expect(try await gateway.entries().map(\.event).last?.action == .interactionEvent)
        }
    }
}
