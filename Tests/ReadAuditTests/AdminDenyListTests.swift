import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// `/admin/v1/deny-list`: separate credentials with roles; every request audited; a block refuses the
/// agent's next read at once.
@Suite struct AdminDenyListTests {
    static let socKey = "ra_admin-soc-key-for-tests-0123456789"
    static let auditorKey = "ra_admin-auditor-key-for-tests-0123456789"
    static let agent = TestCredentials.agentId

    static func admin(_ name: String, _ key: String, _ role: AdminRole) -> AdminCredential {
        AdminCredential(name: name, keyHash: CallerCredential.parseHash(CallerCredential.hashText(ofKey: key))!, role: role)
    }

    static func withGateway(_ body: @escaping @Sendable (TestGateway, any TestClientProtocol) async throws -> Void) async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                $0.adminCredentials = [Self.admin("soc-1", Self.socKey, .soc), Self.admin("audit-1", Self.auditorKey, .auditor)]
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in try await body(gateway, client) }
        }
    }

    static func read(_ client: some TestClientProtocol, authorization: String = TestCredentials.bearer) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/customer-data", method: .post, headers: [.authorization: authorization, .contentType: "application/json"],
            body: ByteBuffer(string: TestCredentials.body(customerId: "C-1")))
    }

    @Test func aSOCAnalystBlocksListsAndUnblocksAndEachStepIsAudited() async throws {
        try await Self.withGateway { gateway, client in
            #expect(try await Self.read(client).status == .ok)
            let blocked = try await client.execute(
                uri: "/admin/v1/deny-list", method: .post,
                headers: [.authorization: "Bearer \(Self.socKey)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"agentId":"\#(Self.agent)","reason":"INC-4711 scraping"}"#))
            #expect(blocked.status == .created)
            let refused = try await Self.read(client)
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains(#""code":"agent_blocked""#))

            let list = try await client.execute(uri: "/admin/v1/deny-list", method: .get, headers: [.authorization: "Bearer \(Self.socKey)"])
            #expect(list.status == .ok)
            #expect(String(buffer: list.body).contains(#""agentId":"\#(Self.agent)","reason":"INC-4711 scraping","blockedBy":"admin:soc-1""#))

            let unblocked = try await client.execute(
                uri: "/admin/v1/deny-list/\(Self.agent)", method: .delete, headers: [.authorization: "Bearer \(Self.socKey)"])
            #expect(unblocked.status == .ok)
            #expect(try await Self.read(client).status == .ok)

            let admin = try await gateway.entries().filter { $0.event.action == .adminRequest }
            #expect(admin.map { $0.event.detail["operation"] } == ["deny_list.block", "deny_list.list", "deny_list.unblock"])
            #expect(admin.allSatisfy { $0.event.credential == "admin:soc-1" && $0.event.outcome == .ok })
            let changes = try await gateway.entries().map(\.event.action.rawValue).filter { $0.hasPrefix("agent.") }
            #expect(changes == ["agent.blocked", "agent.unblocked"])
        }
    }

    @Test func anAuditorMayNotTouchTheDenyList() async throws {
        try await Self.withGateway { gateway, client in
            let response = try await client.execute(
                uri: "/admin/v1/deny-list", method: .post,
                headers: [.authorization: "Bearer \(Self.auditorKey)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"agentId":"\#(Self.agent)","reason":"curious"}"#))
            #expect(response.status == .forbidden)
            #expect(String(buffer: response.body).contains(#""code":"forbidden""#))
            #expect(!gateway.denyList.isBlocked(Self.agent))
            let event = try #require(try await gateway.entries().last)
            #expect(event.event.action == .adminRequest && event.event.outcome == .denied && event.event.code == "forbidden")
        }
    }

    @Test func integrationAndAdminKeysDoNotCross() async throws {
        try await Self.withGateway { _, client in
            let integrationOnAdmin = try await client.execute(
                uri: "/admin/v1/deny-list", method: .get, headers: [.authorization: TestCredentials.bearer])
            #expect(integrationOnAdmin.status == .unauthorized)
            #expect(try await Self.read(client, authorization: "Bearer \(Self.socKey)").status == .unauthorized)
        }
    }

    @Test(arguments: [
        #"{"agentId":"not-a-uuid","reason":"x"}"#, #"{"agentId":"6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f"}"#,
        #"{"agentId":"6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f","reason":""}"#, "[]", "nonsense",
        #"{"agentId":"6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f","reason":"x","extra":1}"#,
    ])
    func aMalformedBlockIsRefusedAndChangesNothing(_ body: String) async throws {
        try await Self.withGateway { gateway, client in
            let response = try await client.execute(
                uri: "/admin/v1/deny-list", method: .post,
                headers: [.authorization: "Bearer \(Self.socKey)", .contentType: "application/json"], body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            #expect(try await gateway.denyList.all().isEmpty)
        }
    }
}
