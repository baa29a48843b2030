import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The admin API: roles, queries with cursor pagination, exports, reports, alerts, verification, and one
/// `admin.request` event for every request, refused ones included (PCI DSS 10.2.1.3).
@Suite struct AdminAPITests {
    static let keys: [AdminRole: String] = [
        .auditor: "ra_admin-api-auditor-key-0123456789", .soc: "ra_admin-api-soc-key-0123456789", .admin: "ra_admin-api-admin-key-0123456789",
    ]
    static func credentialName(_ role: AdminRole) -> String { "\(role.rawValue)-1" }

    static func withGateway(_ body: @escaping @Sendable (TestGateway, any TestClientProtocol) async throws -> Void) async throws {
        let gateway = try await TestGateway.make(crmURL: "http://127.0.0.1:9/customers/{customerId}") { configuration in
            configuration.adminCredentials = AdminRole.allCases.map { role in
                AdminCredential(
                    name: credentialName(role), keyHash: CallerCredential.parseHash(CallerCredential.hashText(ofKey: keys[role]!))!, role: role)
            }
            configuration.reports = ReportFixture.settings
            configuration.journalBusyTimeout = .milliseconds(100)
        }
        defer { gateway.directory.remove() }
        try await gateway.application().test(.router) { client in try await body(gateway, client) }
    }

    static func call(
        _ client: some TestClientProtocol, _ uri: String, as role: AdminRole? = .admin, method: HTTPRequest.Method = .get
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let role { headers[.authorization] = "Bearer \(keys[role]!)" }
        return try await client.execute(uri: uri, method: method, headers: headers)
    }

    static func lastAdminEvent(_ gateway: TestGateway) async throws -> AuditEventDraft {
        try #require(try await gateway.entries().last(where: { entry in entry.event.action == .adminRequest })).event
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    static func append(_ gateway: TestGateway, _ drafts: [AuditEventDraft]) async throws {
        for draft in drafts { _ = try await gateway.journal.append(draft) }
    }

    // MARK: Roles, and an event for every request

    struct Endpoint: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var uri: String
        var operation: String
        var allowed: Set<AdminRole>
        var testDescription: String { "\(method) \(uri)" }
    }

    static let endpoints = [
        Endpoint(method: .get, uri: "/admin/v1/events?customer=C-1", operation: "events.query", allowed: [.auditor, .admin]),
        Endpoint(method: .get, uri: "/admin/v1/alerts", operation: "alerts.list", allowed: [.soc, .admin]),
        Endpoint(method: .get, uri: "/admin/v1/reports/customer/C-1", operation: "reports.customer", allowed: [.auditor, .admin]),
        Endpoint(
            method: .get, uri: "/admin/v1/reports/agent/\(ReportFixture.agent)", operation: "reports.agent", allowed: [.auditor, .soc, .admin]),
        Endpoint(method: .get, uri: "/admin/v1/verification", operation: "verification.status", allowed: [.auditor, .admin]),
        Endpoint(method: .post, uri: "/admin/v1/verification", operation: "verification.run", allowed: [.auditor, .admin]),
        Endpoint(method: .get, uri: "/admin/v1/deny-list", operation: "deny_list.list", allowed: [.soc, .admin]),
    ]

    @Test(arguments: endpoints)
    func eachRoleIsAllowedOrRefusedAndEveryRequestIsAnEventNamingTheCredential(_ endpoint: Endpoint) async throws {
        try await Self.withGateway { gateway, client in
            for role in AdminRole.allCases {
                let response = try await Self.call(client, endpoint.uri, as: role, method: endpoint.method)
                let event = try await Self.lastAdminEvent(gateway)
                #expect(event.credential == "admin:\(Self.credentialName(role))")
                #expect(event.detail["operation"] == endpoint.operation)
                #expect(response.headers[.auditEventId] == event.id.rawValue)
                if endpoint.allowed.contains(role) {
                    #expect(response.status == .ok || response.status == .created, "\(role)")
                    #expect(event.outcome == .ok)
                } else {
                    #expect(response.status == .forbidden, "\(role)")
                    #expect(String(buffer: response.body).contains(#""code":"forbidden""#))
                    #expect(event.outcome == .denied && event.code == "forbidden")
                }
            }
        }
    }

    @Test(arguments: endpoints)
    func anUnauthenticatedRequestIsRefusedAndRecorded(_ endpoint: Endpoint) async throws {
        try await Self.withGateway { gateway, client in
            for authorization in [nil, TestCredentials.bearer, "Bearer ra_wrong-key"] {
                var headers: HTTPFields = [:]
                if let authorization { headers[.authorization] = authorization }
                let response = try await client.execute(uri: endpoint.uri, method: endpoint.method, headers: headers)
                #expect(response.status == .unauthorized)
                let event = try await Self.lastAdminEvent(gateway)
                #expect(event.outcome == .denied && event.code == "unauthenticated" && event.credential == nil)
                #expect(event.detail["path"] == String(endpoint.uri.prefix(while: { character in character != "?" })))
                #expect(response.headers[.auditEventId] == event.id.rawValue)
            }
        }
    }

    @Test func theEventRecordsWhatWasAsked() async throws {
        try await Self.withGateway { gateway, client in
            _ = try await Self.call(client, "/admin/v1/events?customer=C-1&from=2026-03-01&to=2026-03-04T00:00:00Z&action=customer.read&limit=2&format=csv", as: .auditor)
            var event = try await Self.lastAdminEvent(gateway)
            #expect(event.detail["operation"] == "events.export")
            #expect(event.customer == "C-1" && event.agent == nil && event.interaction == nil)
            #expect(event.detail["from"] == "2026-03-01" && event.detail["to"] == "2026-03-04T00:00:00Z")
            #expect(event.detail["action"] == "customer.read" && event.detail["limit"] == "2" && event.detail["format"] == "csv")

            let cursor = JournalCursor(timeMicroseconds: 5, sequence: 1).token
            _ = try await Self.call(client, "/admin/v1/events?agent=\(ReportFixture.agent)&cursor=\(cursor)", as: .auditor)
            event = try await Self.lastAdminEvent(gateway)
            #expect(event.agent == ReportFixture.agent && event.customer == nil && event.detail["cursor"] == cursor)
            #expect(event.detail["operation"] == "events.query")

            _ = try await Self.call(client, "/admin/v1/events?interaction=\(ReportFixture.interaction)", as: .auditor)
            #expect(try await Self.lastAdminEvent(gateway).interaction == ReportFixture.interaction)

            _ = try await Self.call(client, "/admin/v1/reports/customer/C-1?view=data-subject&format=html&from=2026-01-01", as: .auditor)
            event = try await Self.lastAdminEvent(gateway)
            #expect(event.customer == "C-1" && event.detail["view"] == "data-subject" && event.detail["format"] == "html")
            #expect(event.detail["from"] == "2026-01-01")

            _ = try await Self.call(client, "/admin/v1/reports/agent/\(ReportFixture.agent)?format=text", as: .soc)
            event = try await Self.lastAdminEvent(gateway)
            #expect(event.agent == ReportFixture.agent && event.detail["format"] == "text" && event.detail["operation"] == "reports.agent")

            _ = try await Self.call(client, "/admin/v1/alerts?agent=\(ReportFixture.agent)&limit=5", as: .soc)
            event = try await Self.lastAdminEvent(gateway)
            #expect(event.agent == ReportFixture.agent && event.detail["limit"] == "5" && event.detail["operation"] == "alerts.list")
        }
    }

    struct BadRequest: Sendable, CustomTestStringConvertible {
        var uri: String
        var method: HTTPRequest.Method = .get
        var code: String
        var field: String
        var operation: String
        var testDescription: String { uri }
    }

    static let badRequests = [
        BadRequest(uri: "/admin/v1/events", code: "invalid_format", field: "customer", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&agent=\(ReportFixture.agent)", code: "invalid_format", field: "agent", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&from=yesterday", code: "invalid_format", field: "from", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&from=2026-03-02&to=2026-03-01", code: "invalid_format", field: "to", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&limit=0", code: "invalid_format", field: "limit", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&limit=1001", code: "invalid_format", field: "limit", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&cursor=not-a-cursor", code: "invalid_format", field: "cursor", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&cursor=djE6eDox", code: "invalid_format", field: "cursor", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&format=xml", code: "invalid_format", field: "format", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?format=csv", code: "invalid_format", field: "customer", operation: "events.export"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&action=DROP%20TABLE", code: "invalid_format", field: "action", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&customer=C-2", code: "invalid_format", field: "customer", operation: "events.query"),
        BadRequest(uri: "/admin/v1/events?customer=C-1&sort=desc", code: "unknown_field", field: "sort", operation: "events.query"),
        BadRequest(uri: "/admin/v1/alerts?cursor=%3D%3D", code: "invalid_format", field: "cursor", operation: "alerts.list"),
        BadRequest(uri: "/admin/v1/alerts?customer=C-1", code: "unknown_field", field: "customer", operation: "alerts.list"),
        BadRequest(uri: "/admin/v1/reports/customer/C-1?view=public", code: "invalid_format", field: "view", operation: "reports.customer"),
        BadRequest(uri: "/admin/v1/reports/customer/C-1?format=pdf", code: "invalid_format", field: "format", operation: "reports.customer"),
        BadRequest(uri: "/admin/v1/reports/customer/C-1?to=never", code: "invalid_format", field: "to", operation: "reports.customer"),
        BadRequest(
            uri: "/admin/v1/reports/agent/\(ReportFixture.agent)?view=data-subject", code: "unknown_field", field: "view",
            operation: "reports.agent"),
        BadRequest(uri: "/admin/v1/verification?full=1", code: "unknown_field", field: "full", operation: "verification.status"),
        BadRequest(uri: "/admin/v1/verification?full=1", method: .post, code: "unknown_field", field: "full", operation: "verification.run"),
    ]

    @Test(arguments: badRequests)
    func badParametersAreRefusedWith400AndRecorded(_ bad: BadRequest) async throws {
        try await Self.withGateway { gateway, client in
            let response = try await Self.call(client, bad.uri, as: .admin, method: bad.method)
            #expect(response.status == .badRequest)
            let body = try Self.json(response)["error"] as? [String: Any]
            #expect(body?["code"] as? String == bad.code)
            #expect(body?["field"] as? String == bad.field)
            let event = try await Self.lastAdminEvent(gateway)
            #expect(event.credential == "admin:admin-1" && event.detail["operation"] == bad.operation)
            #expect(event.outcome == .failed && event.code == bad.code && event.detail["field"] == bad.field)
            #expect(response.headers[.auditEventId] == event.id.rawValue)
            let verifications = try await gateway.entries().filter { entry in entry.event.action == .auditVerify }
            #expect(verifications.isEmpty)
        }
    }

    // MARK: Queries

    @Test func pagesVisitEveryRowOnceInTimeOrderEvenWithTiedTimesAndRowsAddedMeanwhile() async throws {
        try await Self.withGateway { gateway, client in
            let base = AuditTime(parsing: "2026-03-01T09:00:00Z")!
            func read(_ index: Int, customer: String, at time: AuditTime) -> AuditEventDraft {
                AuditEventDraft(
                    id: .make(at: time), time: time, node: "n1", action: .customerRead, outcome: .served, credential: "genesys",
                    agent: ReportFixture.agent, interaction: ReportFixture.interaction, customer: customer, fields: ["f\(index)"])
            }
            // 250 reads of C-1 in groups of 7 with the same microsecond, C-2 reads between them, and a few
            // appended out of time order (a second node's clock, say).
            var drafts: [AuditEventDraft] = []
            for index in 0..<250 {
                let time = AuditTime(microseconds: base.microseconds + Int64(index / 7) * 1_000_000)
                drafts.append(read(index, customer: "C-1", at: time))
                if index % 5 == 0 { drafts.append(read(index, customer: "C-2", at: time)) }
            }
            drafts.append(read(250, customer: "C-1", at: base))
            try await Self.append(gateway, drafts)

            var seen: [Int64] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/admin/v1/events?customer=C-1&action=customer.read&limit=40" + (cursor.map { "&cursor=\($0)" } ?? "")
                let response = try await Self.call(client, uri, as: .auditor)
                #expect(response.status == .ok)
                let json = try Self.json(response)
                let events = try #require(json["events"] as? [[String: Any]])
                #expect(events.count <= 40)
                seen += events.compactMap { event in (event["seq"] as? NSNumber)?.int64Value }
                #expect(events.allSatisfy { event in event["customer"] as? String == "C-1" })
                cursor = json["nextCursor"] as? String
                pages += 1
                if pages == 2 {
                    // Rows appended while paging, later than every row so far, are found on a later page.
                    try await Self.append(gateway, [read(300, customer: "C-1", at: AuditTime(microseconds: base.microseconds + 3_600_000_000))])
                }
            } while cursor != nil && pages < 50
            let expected = try await gateway.entries()
                .filter { entry in entry.event.customer == "C-1" && entry.event.action == .customerRead }
                .sorted { left, right in (left.event.time, left.sequence) < (right.event.time, right.sequence) }
                .map(\.sequence)
            #expect(expected.count == 252)
            #expect(seen == expected)
            #expect(Set(seen).count == seen.count)
            #expect(pages == 7)
        }
    }

    @Test func aPeriodIsInclusiveFromAndExclusiveTo() async throws {
        try await Self.withGateway { gateway, client in
            try await Self.append(gateway, ReportFixture.entries().map(\.event))
            let response = try await Self.call(client, "/admin/v1/events?interaction=\(ReportFixture.interaction)&from=2026-03-02&to=2026-03-03T10:00:00Z")
            let events = try #require(try Self.json(response)["events"] as? [[String: Any]])
            #expect(events.map { event in event["time"] as? String } == ["2026-03-02T10:00:00.000000Z"])
            #expect(try Self.json(response)["nextCursor"] is NSNull)
        }
    }

    @Test func csvExportIsAnAttachmentWithEveryEventAndTheNextCursorInAHeader() async throws {
        try await Self.withGateway { gateway, client in
            var drafts = ReportFixture.entries().map(\.event)
            drafts[0].agent = "=HYPERLINK(\"http://x\")"
            try await Self.append(gateway, drafts)
            let response = try await Self.call(client, "/admin/v1/events?customer=C-1&action=customer.read&format=csv&limit=2", as: .auditor)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition] == #"attachment; filename="readaudit-events.csv""#)
            #expect(response.headers[.cacheControl] == "no-store")
            let lines = String(buffer: response.body).split(separator: "\r\n").map(String.init)
            #expect(lines.first == "seq,id,time,node,action,outcome,code,credential,agent,interaction,customer,fields,masked,source,genesys,detail,prevHash,hash")
            #expect(lines.count == 3)
            #expect(lines[1].contains(#""'=HYPERLINK(""http://x"")""#))
            let next = try #require(response.headers[HTTPField.Name("ReadAudit-Next-Cursor")!])
            let rest = try await Self.call(client, "/admin/v1/events?customer=C-1&action=customer.read&format=csv&cursor=\(next)", as: .auditor)
            let restLines = String(buffer: rest.body).split(separator: "\r\n")
            #expect(restLines.count == 2)
            #expect(rest.headers[HTTPField.Name("ReadAudit-Next-Cursor")!] == nil)
        }
    }

    @Test func alertsListsOnlyAlertEventsOptionallyForOneAgent() async throws {
        try await Self.withGateway { gateway, client in
            var velocity = ReportFixture.draft("2026-03-02T12:00:00Z", agent: ReportFixture.otherAgent, customer: "C-9", outcome: .failed, action: .alert("velocity"))
            velocity.code = "velocity"
            try await Self.append(gateway, ReportFixture.agentEntries().map(\.event) + [velocity])
            let all = try #require(try Self.json(try await Self.call(client, "/admin/v1/alerts", as: .soc))["alerts"] as? [[String: Any]])
            #expect(all.map { alert in alert["action"] as? String } == ["alert.velocity", "alert.after_hours"])
            let one = try #require(
                try Self.json(try await Self.call(client, "/admin/v1/alerts?agent=\(ReportFixture.agent)", as: .soc))["alerts"] as? [[String: Any]])
            #expect(one.map { alert in alert["action"] as? String } == ["alert.after_hours"])
        }
    }

    // MARK: Reports

    @Test(arguments: AccessReport.Format.allCases)
    func theDataSubjectReportCarriesNoEmployeeIdentityInAnyFormat(_ format: AccessReport.Format) async throws {
        try await Self.withGateway { gateway, client in
            try await Self.append(gateway, ReportFixture.entries().map(\.event))
            let response = try await Self.call(
                client, "/admin/v1/reports/customer/C-1?view=data-subject&format=\(format.rawValue)", as: .auditor)
            #expect(response.status == .ok)
            let body = String(buffer: response.body)
            for forbidden in ComplianceReportTests.forbiddenInDataSubjectView + ["auditor-1", "admin:"] {
                #expect(!body.contains(forbidden), "\(format): contains \(forbidden)")
            }
            #expect(body.contains("2026-03-01") && body.contains("Account servicing") && body.contains("Example Bank plc"))
            let expectedType = [
                AccessReport.Format.json: "application/json", .csv: "text/csv; charset=utf-8", .text: "text/plain; charset=utf-8",
                .html: "text/html; charset=utf-8",
            ][format]
            #expect(response.headers[.contentType] == expectedType)
            if format == .html {
                #expect(response.headers[.contentSecurityPolicy] == "default-src 'none'; style-src 'unsafe-inline'")
            }
        }
    }

    @Test func theInternalReportAndTheAgentReportNameAgentsFromTheDirectory() async throws {
        try await Self.withGateway { gateway, client in
            try await Self.append(gateway, ReportFixture.entries().map(\.event))
            let internalReport = try Self.json(try await Self.call(client, "/admin/v1/reports/customer/C-1", as: .auditor))
            #expect(internalReport["view"] as? String == "internal")
            #expect((internalReport["accesses"] as? [Any])?.count == 3)
            #expect((internalReport["agentNames"] as? [String: String])?[ReportFixture.otherAgent] == ReportFixture.otherAgentName)
            let agent = try Self.json(try await Self.call(client, "/admin/v1/reports/agent/\(ReportFixture.otherAgent)", as: .soc))
            #expect(agent["name"] as? String == ReportFixture.otherAgentName)
            #expect((agent["outcomes"] as? [String: Int]) == ["served": 1, "denied": 1])
        }
    }

    @Test func aHostileCustomerIdIsEscapedInTheHTMLReport() async throws {
        try await Self.withGateway { gateway, client in
            let hostile = "<script>&"
            try await Self.append(gateway, ReportFixture.entries(customer: hostile).map(\.event))
            let response = try await Self.call(client, "/admin/v1/reports/customer/%3Cscript%3E%26?format=html", as: .auditor)
            #expect(response.status == .ok)
            let body = String(buffer: response.body)
            #expect(!body.contains("<script"))
            #expect(body.contains("&lt;script&gt;&amp;"))
            #expect(body.contains("Attempts</dt><dd>3"))
            #expect(try await Self.lastAdminEvent(gateway).customer == hostile)
        }
    }

    // MARK: Verification

    @Test func verificationRunsOnRequestIsRecordedAndIsThenTheLastStatus() async throws {
        try await Self.withGateway { gateway, client in
            let before = try Self.json(try await Self.call(client, "/admin/v1/verification", as: .auditor))
            #expect(before["intact"] is NSNull && before["lastVerification"] is NSNull)

            let run = try await Self.call(client, "/admin/v1/verification", as: .auditor, method: .post)
            #expect(run.status == .ok)
            let result = try Self.json(run)
            #expect(result["intact"] as? Bool == true && result["problem"] is NSNull)
            let verifyId = try #require(result["verifyEventId"] as? String)
            let entries = try await gateway.entries()
            let verify = try #require(entries.first(where: { entry in entry.event.action == .auditVerify }))
            #expect(verify.event.id.rawValue == verifyId && verify.event.credential == "admin:auditor-1" && verify.event.outcome == .ok)
            #expect(verify.event.detail["verified"] == String(verify.sequence - 1))
            #expect(try await Self.lastAdminEvent(gateway).detail["operation"] == "verification.run")

            let after = try Self.json(try await Self.call(client, "/admin/v1/verification", as: .admin))
            #expect(after["intact"] as? Bool == true)
            #expect((after["lastVerification"] as? [String: Any])?["id"] as? String == verifyId)
        }
    }

    // MARK: Fail closed

    @Test func whenTheJournalCannotRecordTheRequestNoDataLeaves() async throws {
        try await Self.withGateway { gateway, client in
            try await Self.append(gateway, ReportFixture.entries().map(\.event))
            let lock = try ExclusiveLock(path: gateway.configuration.journalPath)
            let response = try await Self.call(client, "/admin/v1/events?customer=C-1", as: .auditor)
            lock.release()
            #expect(response.status == .serviceUnavailable)
            let body = String(buffer: response.body)
            #expect(body.contains(#""code":"audit_unavailable""#))
            #expect(!body.contains(ReportFixture.agent) && !body.contains("events"))
            #expect(response.headers[.auditEventId] == nil)
        }
    }
}
