import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The web console in a real headless Chromium (issue 9), over a live gateway on loopback: a person signs
/// in through the form, finds a customer read earlier, switches to the data-subject view, blocks the agent,
/// and the block refuses that agent's next read. Screenshots of each page go to
/// `$READAUDIT_CONSOLE_SCREENSHOTS` (the repository's docs/console when regenerating them) or the test directory.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let adminKey = "ra_console-browser-admin-key-0123456789"
    static let agent = TestCredentials.agentId

    static var screenshotDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let directory = environment["READAUDIT_CONSOLE_SCREENSHOTS"] { return directory }
        return ((environment["READAUDIT_TEST_TMP"] ?? NSTemporaryDirectory()) as NSString).appendingPathComponent("console-screenshots")
    }

    static func save(_ browser: HeadlessChromium, _ name: String) async throws {
        try FileManager.default.createDirectory(atPath: screenshotDirectory, withIntermediateDirectories: true)
        let png = try await browser.screenshot()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        try png.write(to: URL(fileURLWithPath: (screenshotDirectory as NSString).appendingPathComponent("\(name).png")))
    }

    static func read(_ client: some TestClientProtocol, _ customer: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/customer-data", method: .post, headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"],
            body: ByteBuffer(string: TestCredentials.body(customerId: customer)))
    }

    @Test func anOfficerSignsInFindsACustomerSeesTheDataSubjectViewAndBlocksTheAgent() async throws {
        try await StubCRM().run { crm in
            let sink = RecordingSink(name: "siem")
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate, sinks: [ConfiguredSink(sink)]) {
                $0.adminCredentials = [
                    AdminCredential(name: "officer-1", keyHash: CallerCredential.parseHash(CallerCredential.hashText(ofKey: Self.adminKey))!, role: .admin)
                ]
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.live) { client in
                let started = ContinuousClock.now
                let base = "http://127.0.0.1:\(try #require(client.port))"
                // Reads spread over a few hours, so the agent's chart has bars.
                for (index, customer) in ["C-1", "C-2", "C-1", "C-3", "C-1"].enumerated() {
                    #expect(try await Self.read(client, customer).status == (customer == "C-3" ? .notFound : .ok))
                    gateway.clock.advance(by: .seconds(index == 1 ? 7200 : 1800))
                }
                let trigger = try #require(try await gateway.readEvents().last)
                let time = gateway.clock.now()
                _ = try await gateway.journal.append(AuditEventDraft(
                    id: .make(at: time), time: time, node: "test-node", action: AuditAction(rawValue: "alert.repeated_lookup"), outcome: .ok,
                    agent: Self.agent, customer: "C-1",
                    detail: ["rule": "repeated_lookup", "incident": "repeated_lookup:\(Self.agent):C-1", "triggerEventId": trigger.id.rawValue]))

                let browser = try await HeadlessChromium.launch()
                defer { browser.close() }

                // Sign in through the real form.
                try await browser.navigate("\(base)/console/customers", expecting: "sign-in")
                try await Self.save(browser, "sign-in")
                try await browser.fill("#name", "officer-1")
                try await browser.fill("#key", Self.adminKey)
                try await browser.click("#sign-in button[type=submit]")
                try await browser.waitForPage("customers")
                #expect(try await browser.evaluate("document.cookie") == "", "the session cookie is HttpOnly")

                // Search the customer read above: the access rows name the agent.
                try await browser.fill("#customer", "C-1")
                try await browser.click("form.search button[type=submit]")
                try await browser.waitUntil("document.querySelectorAll('#access-rows tbody tr').length > 0")
                #expect(try await browser.evaluate("document.querySelectorAll('#access-rows tbody tr').length") == "3")
                #expect(try await browser.text().contains(Self.agent))
                try await Self.save(browser, "customer-access")

                // The data-subject view: dates, purposes and data, and no agent id.
                try await browser.click("#switch-view")
                try await browser.waitUntil("!!document.getElementById('consultations')")
                let subjectView = try await browser.evaluate("document.documentElement.outerHTML")
                #expect(!subjectView.contains(Self.agent))
                #expect(try await browser.evaluate("document.querySelectorAll('#consultations tbody tr').length") == "3")
                try await Self.save(browser, "customer-data-subject")

                // Agent activity, alerts (and a live update without reload), evidence, sinks.
                try await browser.navigate("\(base)/console/agents?agent=\(Self.agent)", expecting: "agents")
                #expect(try await browser.evaluate("document.querySelectorAll('svg.chart rect.bar').length") == "24")
                try await Self.save(browser, "agent-activity")
                try await browser.navigate("\(base)/console/alerts", expecting: "alerts")
                #expect(try await browser.evaluate("document.querySelectorAll('#alerts-rows tr').length") == "1")
                let later = gateway.clock.now()
                _ = try await gateway.journal.append(AuditEventDraft(
                    id: .make(at: later), time: later, node: "test-node", action: AuditAction(rawValue: "alert.velocity"), outcome: .ok,
                    agent: Self.agent, detail: ["rule": "velocity", "incident": "velocity:\(Self.agent)"]))
                try await browser.waitUntil("document.querySelectorAll('#alerts-rows tr').length === 2", timeout: .seconds(15))
                try await browser.click("#alerts-rows tr:last-child button[type=submit]")
                try await browser.waitUntil("document.body.dataset.page === 'alerts' && document.body.innerText.includes('acknowledged by admin:officer-1')")
                try await Self.save(browser, "alerts")
                #expect(try await gateway.entries().contains { entry in entry.event.action == .alertAcknowledged })
                try await browser.click("#alerts-rows tr:last-child td:last-child a")
                try await browser.waitForPage("evidence")
                try await Self.save(browser, "alert-evidence")
                try await browser.navigate("\(base)/console/sinks", expecting: "sinks")
                try await Self.save(browser, "sinks")

                // Integrity: verify now.
                try await browser.navigate("\(base)/console/integrity", expecting: "integrity")
                try await browser.click("#verify-now")
                try await browser.waitUntil("document.body.innerText.includes('intact')")
                try await Self.save(browser, "integrity")

                // Block the agent; their next read is refused.
                try await browser.navigate("\(base)/console/deny-list", expecting: "deny-list")
                try await browser.fill("#agentId", Self.agent)
                try await browser.fill("#reason", "INC-4711 repeated lookups of C-1")
                try await browser.click("#block-form button[type=submit]")
                try await browser.waitUntil("document.querySelectorAll('#blocked tbody tr').length === 1")
                try await Self.save(browser, "deny-list")
                // A new connection: the test client's may have been closed by the idle timeout meanwhile.
                var request = HTTPClientRequest(url: "\(base)/v1/customer-data")
                request.method = .POST
                request.headers.add(name: "Authorization", value: TestCredentials.bearer)
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: TestCredentials.body(customerId: "C-1")))
                let refused = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(refused.status == .forbidden)
                #expect(String(buffer: try await refused.body.collect(upTo: 1 << 16)).contains(#""code":"agent_blocked""#))

                print("console browser walk-through: \(ContinuousClock.now - started)")
                // Every page view was recorded as the officer's console request.
                let operations = Set(try await gateway.entries().filter { entry in entry.event.credential == "admin:officer-1" }.compactMap { entry in entry.event.detail["operation"] })
                for page in ["console.sign_in", "console.customers", "console.agents", "console.alerts", "console.alerts.poll", "console.evidence",
                             "console.sinks", "console.integrity", "console.integrity.verify", "console.deny_list", "console.deny_list.block"] {
                    #expect(operations.contains(page), "\(page)")
                }
            }
        }
    }
}
