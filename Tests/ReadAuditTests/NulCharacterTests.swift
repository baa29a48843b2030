import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// SQLite text stops at U+0000; an identifier carrying one must not make an honest journal look tampered.
@Suite struct NulCharacterTests {
    @Test(arguments: [false, true])
    func aNulInAnIdentifierIsStoredAsItWasHashed(permissivePattern: Bool) async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                if permissivePattern { $0.customerIdPattern = "^[\\s\\S]{1,200}$" }
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                for id in ["C-1\u{0}x", "C-1\u{0}"] {
                    let response = try await client.execute(
                        uri: "/v1/customer-data", method: .post,
                        headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"],
                        body: ByteBuffer(string: TestCredentials.body(customerId: id)))
                    #expect(response.status == (permissivePattern ? .notFound : .badRequest))
                }
            }
            let customers = try await gateway.readEvents().map(\.customer)
            #expect(customers == ["C-1\u{FFFD}x", "C-1\u{FFFD}"])
            let result = try await JournalVerification.verify(gateway.store)
            #expect(result.isIntact, "\(String(describing: result.problem))")
        }
    }
}
