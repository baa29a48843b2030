import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Issue 4, acceptance 2, end to end through the gateway: an agent scraping 200 customers in ten minutes
/// raises one velocity alert, is blocked at once, loses their Genesys tokens once, the SOAR tool gets the
/// signed alert, and the agent's next read is refused with `agent_blocked`.
@Suite struct VelocityEndToEndTests {
    static let agent = TestCredentials.agentId
    static let secret = "soar-shared-secret"

    @Test func aScrapingAgentIsAlertedBlockedRevokedAndRefused() async throws {
        try await StubCRM().run { crm in
            for index in 0..<201 { crm.addRecord(id: "S-\(index)", json: #"{"customerId":"S-\#(index)","firstName":"F\#(index)"}"#) }
            try await StubGenesys().run { genesys in
                // The gateway runs on a manual clock in 2026-11-18; the receiver checks signatures, not freshness.
                try await StubWebhook(secret: Self.secret, tolerance: .seconds(365 * 86_400)).run { soar in
                    let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) { configuration in
                        configuration.genesys = genesys.configuration
                        configuration.checks = ChecksConfiguration(participant: .off, recency: .off)
                        configuration.detection = DetectorTests.velocityOnly
                        configuration.responders = DetectorTests.respondToVelocity
                        configuration.responders.soar = soar.sinkConfiguration()
                    }
                    defer { gateway.directory.remove() }
                    try await gateway.application().test(.router) { client in
                        func read(_ customer: String) async throws -> TestResponse {
                            try await client.execute(
                                uri: "/v1/customer-data", method: .post,
                                headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"],
                                body: ByteBuffer(string: TestCredentials.body(customerId: customer)))
                        }
                        // 200 distinct customers, two seconds apart: 400 s, inside the 10-minute window.
                        for index in 0..<200 {
                            gateway.clock.advance(by: .seconds(2))
                            let response = try await read("S-\(index)")
                            #expect(response.status == .ok)
                        }
                        let deadline = ContinuousClock.now + .seconds(20)
                        while !gateway.denyList.isBlocked(Self.agent), ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(10))
                        }
                        #expect(gateway.denyList.isBlocked(Self.agent), "the detector's block responder ran")
                        gateway.clock.advance(by: .seconds(2))
                        let refused = try await read("S-200")
                        #expect(refused.status == .forbidden)
                        #expect(String(buffer: refused.body).contains(#""code":"agent_blocked""#))
                        while soar.entries.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                    }
                    let entries = try await gateway.entries()
                    let alerts = entries.filter { $0.event.action.rawValue == "alert.velocity" }
                    #expect(alerts.count == 1)
                    #expect(alerts.first?.event.agent == Self.agent)
                    #expect(genesys.revocations == [Self.agent], "tokens revoked exactly once")
                    // The SOAR tool accepted the alert: the stub refuses any request whose signature does not verify.
                    #expect(soar.eventIDs == alerts.map(\.event.id.rawValue))
                    #expect(entries.filter { $0.event.action.rawValue.hasPrefix("response.") }.count == 3)
                    #expect(try await JournalVerification.verify(gateway.store).isIntact)
                }
            }
        }
    }
}
