import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The audited read, end to end through the production composition root, a real SQLite journal and a real HTTP CRM stub.
@Suite struct CustomerDataTests {
    func post(
        _ client: some TestClientProtocol, body: String, authorization: String? = TestCredentials.bearer,
        contentType: String? = "application/json", extraHeaders: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extraHeaders
        if let authorization { headers[.authorization] = authorization }
        if let contentType { headers[.contentType] = contentType }
        return try await client.execute(uri: "/v1/customer-data", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func servesAMaskedFlatRecordOnlyAfterRecordingIt() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                let response = try await post(
                    client, body: TestCredentials.body(customerId: "C-1"),
                    extraHeaders: [HTTPField.Name("ININ-Correlation-Id")!: "corr-1", HTTPField.Name("ININ-User-Id")!: TestCredentials.agentId])
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[HTTPField.Name("Pragma")!] == "no-cache")
                let eventId = try #require(response.headers[HTTPField.Name("Audit-Event-Id")!])
                let body = String(buffer: response.body)
                #expect(body.contains(#""ssn":"***-**-3456""#))
                #expect(body.contains(#""cardNumber":"400000******7899""#))
                #expect(body.contains(#""accountBalance":1234.50"#))
                #expect(body.contains(#""address_city":"London""#))
                #expect(!body.contains("900-12-3456") && !body.contains("4000001234567899"))

                let events = try await gateway.readEvents()
                let event = try #require(events.last)
                #expect(event.id.rawValue == eventId)
                #expect(event.outcome == .served)
                #expect(event.customer == "C-1")
                #expect(event.agent == TestCredentials.agentId)
                #expect(event.interaction == TestCredentials.interactionId)
                #expect(event.credential == TestCredentials.name)
                #expect(event.fields.contains("ssn") && event.fields.contains("address_city"))
                #expect(event.masked.sorted() == ["cardNumber", "ssn"])
                #expect(event.genesys["inin-correlation-id"] == "corr-1")
                #expect(event.genesys["inin-user-id"] == TestCredentials.agentId)
            }
        }
    }

    @Test func theSameRequestTwiceReachesTheCRMTwiceAndIsAuditedTwice() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                let first = try await post(client, body: TestCredentials.body(customerId: "C-2"))
                let second = try await post(client, body: TestCredentials.body(customerId: "C-2"))
                #expect(first.status == .ok && second.status == .ok)
                #expect(first.headers[HTTPField.Name("Audit-Event-Id")!] != second.headers[HTTPField.Name("Audit-Event-Id")!])
            }
            #expect(crm.requestTargets == ["/customers/C-2", "/customers/C-2"])
            #expect(try await gateway.readEvents().filter { $0.outcome == .served }.count == 2)
        }
    }

    @Test func basicAuthenticationIsAcceptedAndTheCRMGetsItsOwnToken() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                $0.crm.auth = .bearer(Secret("crm-token"))
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                let response = try await post(client, body: TestCredentials.body(customerId: "C-1"), authorization: TestCredentials.basic)
                #expect(response.status == .ok)
            }
            #expect(crm.authorizations == ["Bearer crm-token"])
        }
    }

    @Test func fieldPolicyLimitsWhatACredentialSees() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                var credential = TestCredentials.credential
                credential.allowedFields = ["firstName", "ssn"]
                credential.masks = ["firstName": .redact]
                $0.credentials = [credential]
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                let response = try await post(client, body: TestCredentials.body(customerId: "C-1"))
                #expect(String(buffer: response.body) == #"{"firstName":"[redacted]","ssn":"***-**-3456"}"#)
            }
            let event = try #require(try await gateway.readEvents().last)
            #expect(event.fields == ["firstName", "ssn"])
            #expect(event.masked == ["firstName", "ssn"])
        }
    }

    @Test(arguments: [
        (StubCRM.Behaviour.status(404), HTTPResponse.Status.notFound, "customer_not_found", AuditOutcome.notFound),
        (.status(500), .badGateway, "upstream_error", .upstreamError),
        (.status(503), .badGateway, "upstream_error", .upstreamError),
        (.garbage, .badGateway, "upstream_error", .upstreamError),
        (.huge(2 << 20), .badGateway, "upstream_error", .upstreamError),
        (.delay(.seconds(8)), .gatewayTimeout, "upstream_timeout", .upstreamError),
    ])
    func upstreamFailuresAreAnsweredAndRecorded(
        behaviour: StubCRM.Behaviour, status: HTTPResponse.Status, code: String, outcome: AuditOutcome
    ) async throws {
        try await StubCRM().run { crm in
            crm.behaviour = behaviour
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                // Long enough for a loaded CI machine to answer the fast cases (the whole suite runs in
                // parallel on 2 cores; a 2 MiB body once took over 1.5 s); the slow case waits 8 s.
                $0.crm.readTimeout = .seconds(4)
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                let response = try await post(client, body: TestCredentials.body(customerId: "C-1"))
                #expect(response.status == status)
                #expect(String(buffer: response.body).contains(#""code":"\#(code)""#))
                #expect(!String(buffer: response.body).contains("900-12-3456"))
                #expect(response.headers[HTTPField.Name("Audit-Event-Id")!] != nil)
            }
            let event = try #require(try await gateway.readEvents().last)
            #expect(event.outcome == outcome)
            #expect(event.code == code)
            #expect(event.customer == "C-1")
            // An answer, even a bad one, is never retried: only a failed connection is.
            #expect(crm.requestTargets.count == 1)
        }
    }

    @Test func aConnectionDroppedWithoutAnAnswerIsRetriedExactlyOnce() async throws {
        let slammer = try SlammingServer()
        defer { slammer.stop() }
        let gateway = try await TestGateway.make(crmURL: "http://127.0.0.1:\(slammer.port)/customers/{customerId}")
        defer { gateway.directory.remove() }
        try await gateway.application().test(.router) { client in
            let response = try await post(client, body: TestCredentials.body(customerId: "C-1"))
            #expect(response.status == .badGateway)
        }
        #expect(slammer.connections == 2)
        #expect(try await gateway.readEvents().last?.code == "upstream_error")
    }

    @Test func oauthClientCredentialsTokenIsFetchedOnceAndReused() async throws {
        try await StubCRM().run { crm in
            crm.requireToken = true
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                $0.crm.auth = .oauth2(tokenURL: crm.tokenURL, clientId: "gateway", clientSecret: Secret("s3cret:/"), scope: "customers.read")
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                for _ in 0..<3 {
                    let response = try await post(client, body: TestCredentials.body(customerId: "C-1"))
                    #expect(response.status == .ok)
                }
            }
            // One token request, with the client credentials form-encoded in Basic auth (RFC 6749 2.3.1).
            #expect(crm.tokenRequests == ["Basic " + Data("gateway:s3cret%3A%2F".utf8).base64EncodedString()])
            #expect(crm.authorizations == Array(repeating: "Bearer token-1", count: 3))
        }
    }

    @Test func anUnreachableCRMIsAnUpstreamErrorAfterOneRetry() async throws {
        // A port nobody listens on: connection refused, retried once, then 502.
        let gateway = try await TestGateway.make(crmURL: "http://127.0.0.1:9/customers/{customerId}")
        defer { gateway.directory.remove() }
        try await gateway.application().test(.router) { client in
            let response = try await post(client, body: TestCredentials.body(customerId: "C-1"))
            #expect(response.status == .badGateway)
        }
        #expect(try await gateway.readEvents().last?.outcome == .upstreamError)
    }

    @Test func healthReadinessAndMetricsAnswer() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .ok)
                #expect(String(buffer: ready.body) == #"{"status":"ready","sinks":{}}"#)
                _ = try await post(client, body: TestCredentials.body(customerId: "C-1"))
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains(#"readaudit_http_requests_total{route="/v1/customer-data",method="POST",status="200",outcome="served"}"#))
                #expect(metrics.contains("readaudit_journal_commit_duration_seconds_count"))
                #expect(metrics.contains("readaudit_journal_batch_size"))
                #expect(!metrics.contains("C-1") && !metrics.contains(TestCredentials.agentId))
            }
        }
    }
}
