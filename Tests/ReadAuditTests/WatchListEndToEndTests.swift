import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// A VIP flag in the CRM record marks the read (by the flag's name only) and the detector raises a
/// watch-list alert; an unflagged customer raises none.
@Suite struct WatchListEndToEndTests {
    static let watchAlert = AuditAction(rawValue: "alert.watch_list")

    static func read(_ client: some TestClientProtocol, _ customer: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/customer-data", method: .post,
            headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"],
            body: ByteBuffer(string: TestCredentials.body(customerId: customer)))
    }

    static func hasAlert(_ gateway: TestGateway) async throws -> Bool {
        try await gateway.entries().contains { entry in entry.event.action == watchAlert }
    }

    @Test func aCRMVIPFlagRaisesAWatchListAlert() async throws {
        let entries: [JournalEntry] = try await StubCRM().run { crm in
            crm.addRecord(id: "V-1", json: #"{"customerId":"V-1","firstName":"Famous","vip":true}"#)
            crm.addRecord(id: "P-1", json: #"{"customerId":"P-1","firstName":"Plain","vip":false}"#)
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) { configuration in
                configuration.detection.watchList.crmFields = ["vip"]
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                #expect(try await Self.read(client, "P-1").status == .ok)
                #expect(try await Self.read(client, "V-1").status == .ok)
                let deadline = ContinuousClock.now + .seconds(20)
                while try await !Self.hasAlert(gateway), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            return try await gateway.entries()
        }
        let vipRead = entries.first { entry in entry.event.customer == "V-1" && entry.event.action == .customerRead }
        let plainRead = entries.first { entry in entry.event.customer == "P-1" && entry.event.action == .customerRead }
        #expect(vipRead?.event.detail["watch"] == "crm:vip")
        #expect(plainRead?.event.detail["watch"] == nil)
        let alerts = entries.filter { entry in entry.event.action == Self.watchAlert }
        #expect(alerts.count == 1)
        #expect(alerts.first?.event.customer == "V-1")
        #expect(alerts.first?.event.detail["watchedBy"] == "crm:vip")
    }
}
