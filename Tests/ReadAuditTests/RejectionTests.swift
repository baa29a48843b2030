import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Every rejection class answers its documented status, code and field, is recorded, and never reaches the CRM.
@Suite struct RejectionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var authorization: String? = TestCredentials.bearer
        var contentType: String? = "application/json"
        var status: HTTPResponse.Status
        var code: String
        var field: String?
        var outcome: AuditOutcome
        var testDescription: String { name }
    }

    static let agent = TestCredentials.agentId
    static let interaction = TestCredentials.interactionId
    static let valid = TestCredentials.body(customerId: "C-1")

    static let cases: [Case] = [
        // Authentication
        Case(name: "no credentials", body: valid, authorization: nil, status: .unauthorized, code: "unauthenticated", outcome: .denied),
        Case(name: "wrong bearer key", body: valid, authorization: "Bearer ra_wrong", status: .unauthorized, code: "unauthenticated", outcome: .denied),
        Case(name: "basic with wrong password", body: valid,
             authorization: "Basic " + Data("\(TestCredentials.name):nope".utf8).base64EncodedString(),
             status: .unauthorized, code: "unauthenticated", outcome: .denied),
        Case(name: "basic with wrong user", body: valid,
             authorization: "Basic " + Data("someone:\(TestCredentials.key)".utf8).base64EncodedString(),
             status: .unauthorized, code: "unauthenticated", outcome: .denied),
        Case(name: "unknown scheme", body: valid, authorization: "Digest abc", status: .unauthorized, code: "unauthenticated", outcome: .denied),
        // Content type
        Case(name: "no content type", body: valid, contentType: nil, status: .unsupportedMediaType, code: "unsupported_media_type", outcome: .invalid),
        Case(name: "form content type", body: valid, contentType: "application/x-www-form-urlencoded", status: .unsupportedMediaType, code: "unsupported_media_type", outcome: .invalid),
        // Size
        Case(name: "body over 16 KiB", body: #"{"customerId":"\#(String(repeating: "a", count: 17_000))"}"#, status: .contentTooLarge, code: "payload_too_large", outcome: .invalid),
        // Schema
        Case(name: "not JSON", body: "customerId=C-1", status: .badRequest, code: "invalid_json", outcome: .invalid),
        Case(name: "JSON array", body: "[]", status: .badRequest, code: "invalid_json", outcome: .invalid),
        Case(name: "trailing garbage", body: valid + "x", status: .badRequest, code: "invalid_json", outcome: .invalid),
        Case(name: "duplicate key", body: #"{"customerId":"C-1","customerId":"C-2","agentId":"\#(agent)","interactionId":"\#(interaction)"}"#, status: .badRequest, code: "invalid_json", outcome: .invalid),
        Case(name: "unknown key", body: #"{"customerId":"C-1","agentId":"\#(agent)","interactionId":"\#(interaction)","admin":true}"#, status: .badRequest, code: "unknown_field", field: "admin", outcome: .invalid),
        Case(name: "missing agentId", body: #"{"customerId":"C-1","interactionId":"\#(interaction)"}"#, status: .badRequest, code: "missing_field", field: "agentId", outcome: .invalid),
        Case(name: "missing customerId", body: #"{"agentId":"\#(agent)","interactionId":"\#(interaction)"}"#, status: .badRequest, code: "missing_field", field: "customerId", outcome: .invalid),
        Case(name: "numeric customerId", body: #"{"customerId":12,"agentId":"\#(agent)","interactionId":"\#(interaction)"}"#, status: .badRequest, code: "invalid_type", field: "customerId", outcome: .invalid),
        Case(name: "object interactionId", body: #"{"customerId":"C-1","agentId":"\#(agent)","interactionId":{"id":1}}"#, status: .badRequest, code: "invalid_type", field: "interactionId", outcome: .invalid),
        Case(name: "null agentId", body: #"{"customerId":"C-1","agentId":null,"interactionId":"\#(interaction)"}"#, status: .badRequest, code: "invalid_type", field: "agentId", outcome: .invalid),
        // Formats
        Case(name: "customerId with a slash", body: TestCredentials.body(customerId: "a/b"), status: .badRequest, code: "invalid_format", field: "customerId", outcome: .invalid),
        Case(name: "empty customerId", body: TestCredentials.body(customerId: ""), status: .badRequest, code: "invalid_format", field: "customerId", outcome: .invalid),
        Case(name: "agentId not a UUID", body: #"{"customerId":"C-1","agentId":"agent-7","interactionId":"\#(interaction)"}"#, status: .badRequest, code: "invalid_format", field: "agentId", outcome: .invalid),
        Case(name: "interactionId not a UUID", body: #"{"customerId":"C-1","agentId":"\#(agent)","interactionId":"0b7e5a1c2d3f4a5b9c6d7e8f9a0b1c2d"}"#, status: .badRequest, code: "invalid_format", field: "interactionId", outcome: .invalid),
    ]

    @Test(arguments: cases)
    func isRejectedRecordedAndKeptFromTheCRM(_ testCase: Case) async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                var headers: HTTPFields = [:]
                if let authorization = testCase.authorization { headers[.authorization] = authorization }
                if let contentType = testCase.contentType { headers[.contentType] = contentType }
                let response = try await client.execute(
                    uri: "/v1/customer-data", method: .post, headers: headers, body: ByteBuffer(string: testCase.body))
                #expect(response.status == testCase.status)
                #expect(response.headers[.cacheControl] == "no-store")
                let error = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body)).error
                #expect(error.code == testCase.code)
                #expect(error.field == testCase.field)
                #expect(!error.message.isEmpty)
                if testCase.status == .unauthorized {
                    #expect(response.headers[.wwwAuthenticate]?.contains("Basic") == true)
                    #expect(response.headers[.wwwAuthenticate]?.contains("Bearer") == true)
                }
                let eventId = try #require(response.headers[HTTPField.Name("Audit-Event-Id")!])
                let event = try #require(try await gateway.readEvents().last)
                #expect(event.id.rawValue == eventId)
                #expect(event.outcome == testCase.outcome)
                #expect(event.code == testCase.code)
                #expect(event.fields.isEmpty)
            }
            #expect(crm.requestTargets.isEmpty)
        }
    }

    @Test func aRejectedRequestRecordsTheIdentifiersItCarried() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                let body = #"{"customerId":"C-1","agentId":"not-a-uuid","interactionId":"\#(Self.interaction)"}"#
                _ = try await client.execute(
                    uri: "/v1/customer-data", method: .post,
                    headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"], body: ByteBuffer(string: body))
            }
            let event = try #require(try await gateway.readEvents().last)
            #expect(event.customer == "C-1")
            #expect(event.agent == "not-a-uuid")
            #expect(event.credential == TestCredentials.name)
        }
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
            var field: String?
        }
        var error: Detail
    }
}
