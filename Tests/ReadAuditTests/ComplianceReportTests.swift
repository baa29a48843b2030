import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The report renderer's two views of a customer's history and the agent-activity report: the
/// data-subject view never carries an employee's identity (CJEU C-579/21), HTML escapes every value.
@Suite struct ComplianceReportTests {
    /// Everything that identifies an employee or the gateway's internals in `ReportFixture`; none of it may
    /// appear in a data-subject view.
    static let forbiddenInDataSubjectView = [
        ReportFixture.agent, ReportFixture.otherAgent, ReportFixture.credential, ReportFixture.agentName, ReportFixture.otherAgentName,
        ReportFixture.source, ReportFixture.interaction, ReportFixture.correlationId, ReportFixture.organizationId,
        ReportFixture.genesysUser,
    ]

    @Test(arguments: AccessReport.Format.allCases)
    func theDataSubjectViewCarriesNoEmployeeIdentityInAnyFormat(_ format: AccessReport.Format) {
        let report = AccessReport(
            customer: ReportFixture.customer, from: nil, to: nil, entries: ReportFixture.entries(), view: .dataSubject,
            settings: ReportFixture.settings)
        let output = report.render(format)
        for forbidden in Self.forbiddenInDataSubjectView {
            #expect(!output.contains(forbidden), "\(format): contains \(forbidden)")
        }
        // What it must say: the dates, the purpose, the data, the controller; only served reads count.
        #expect(output.contains("2026-03-01") && output.contains("2026-03-03"))
        #expect(!output.contains("2026-03-02"))
        #expect(output.contains("Account servicing"))
        #expect(output.contains("firstName") && output.contains("ssn"))
        #expect(output.contains("Example Bank"))
    }

    @Test func theInternalViewNamesAgentsFromTheDirectory() {
        let report = AccessReport(
            customer: ReportFixture.customer, from: nil, to: nil, entries: ReportFixture.entries(), view: .internal,
            settings: ReportFixture.settings)
        let text = report.render(.text)
        #expect(text.contains("agent \(ReportFixture.agent) (\(ReportFixture.agentName))"))
        #expect(text.contains(ReportFixture.interaction) && text.contains(ReportFixture.source))
        let csv = report.render(.csv).split(separator: "\r\n").map(String.init)
        #expect(csv.first == "time,agent,credential,interaction,outcome,code,fields,masked,source,event_id,seq,agent_name")
        #expect(csv[1].hasSuffix(#","\#(ReportFixture.agentName)""#))
        let json = try? JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as? [String: Any]
        #expect((json?["agentNames"] as? [String: String])?[ReportFixture.agent] == ReportFixture.agentName)
        #expect((json?["accesses"] as? [Any])?.count == 3)
    }

    @Test func theInternalCSVKeepsItsColumnsWithoutADirectory() {
        let report = AccessReport(customer: ReportFixture.customer, from: nil, to: nil, entries: ReportFixture.entries())
        #expect(report.render(.csv).hasPrefix("time,agent,credential,interaction,outcome,code,fields,masked,source,event_id,seq\r\n"))
    }

    @Test(arguments: [AccessReport.View.internal, .dataSubject])
    func htmlEscapesEveryValueAndLoadsNothing(_ view: AccessReport.View) {
        let hostile = "<script>alert(1)</script>&\"'"
        var settings = ReportFixture.settings
        settings.controller = "A&B <Bank>"
        settings.directory = AgentDirectory([ReportFixture.agent: "<b>Jane & Joe</b>"])
        let entries = ReportFixture.entries(customer: hostile)
        let html = AccessReport(customer: hostile, from: nil, to: nil, entries: entries, view: view, settings: settings).render(.html)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"))
        #expect(view == .dataSubject ? html.contains("A&amp;B &lt;Bank&gt;") : html.contains("&lt;b&gt;Jane &amp; Joe&lt;/b&gt;"))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("@media print"))
        for external in ["src=", "href=", "<link", "@import", "url("] { #expect(!html.contains(external)) }
    }

    @Test func agentActivityCountsReadsPerDayAndHourCustomersOutcomesAndAlerts() throws {
        let report = AgentActivityReport(
            agent: ReportFixture.agent, from: nil, to: nil, entries: ReportFixture.agentEntries(), settings: ReportFixture.settings)
        #expect(report.name == ReportFixture.agentName)
        #expect(report.perDay.map(\.day) == ["2026-03-01", "2026-03-03"])
        #expect(report.perDay.map(\.attempts) == [2, 1])
        #expect(report.perHour[10] == 2 && report.perHour[23] == 1)
        #expect(report.customers.map(\.customer) == [ReportFixture.customer, "C-2"])
        #expect(report.customers.first?.served == 2)
        #expect(report.alerts.count == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as? [String: Any])
        #expect(json["attempts"] as? Int == 3)
        #expect((json["outcomes"] as? [String: Int])?["served"] == 3)
        #expect((json["alerts"] as? [Any])?.count == 1)
        #expect(report.render(.text).contains("after_hours"))
        #expect(report.render(.csv).split(separator: "\r\n").count == 5)
        #expect(report.render(.html).contains("Per hour of the day"))
    }

    @Test func csvCellsThatLookLikeFormulasAreNeutralised() {
        let draft = ReportFixture.draft("2026-03-01T10:00:00Z", agent: "=1+1", customer: "C-1", outcome: .served)
        let csv = AccessReport(customer: "C-1", from: nil, to: nil, entries: ReportFixture.seal([draft])).render(.csv)
        #expect(csv.contains(#""'=1+1""#))
        #expect(!csv.contains(#""=1+1""#))
    }

    @Test func aDirectoryFileIsReadAsAgentIdAndName() throws {
        let directory = try AgentDirectory.parseCSV("agentId,name\r\n\(ReportFixture.agent),\"Doe, Jane\"\nabc,Bob\n")
        #expect(directory.name(of: ReportFixture.agent.uppercased()) == "Doe, Jane")
        #expect(directory.name(of: "abc") == "Bob")
        #expect(directory.count == 2)
        #expect(throws: ConfigurationError.self) { try AgentDirectory.parseCSV("only-one-column\n") }
    }

    @Test func theConfigurationTakesReportsAndADirectoryInlineOrFromAFile() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try "agentId,name\n\(ReportFixture.otherAgent),From File\n".write(toFile: folder.file("agents.csv"), atomically: true, encoding: .utf8)
        try """
            reports: {controller: Example Bank plc, purpose: Account servicing}
            directory:
              file: agents.csv
              agents: {\(ReportFixture.agent): Jane Doe}
            """.write(toFile: folder.file("readaudit.yaml"), atomically: true, encoding: .utf8)
        let configuration = try ReadAuditConfiguration.load(path: folder.file("readaudit.yaml"), environment: [:])
        #expect(configuration.reports.controller == "Example Bank plc")
        #expect(configuration.reports.purpose == "Account servicing")
        #expect(configuration.reports.directory.name(of: ReportFixture.agent) == "Jane Doe")
        #expect(configuration.reports.directory.name(of: ReportFixture.otherAgent) == "From File")

        try "directory: {file: missing.csv}\n".write(toFile: folder.file("bad.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try ReadAuditConfiguration.load(path: folder.file("bad.yaml"), environment: [:]) }
    }

    // MARK: The real binary

    /// A journal with the fixture's reads and a configuration naming the directory and the controller.
    static func cliJournal() async throws -> (TemporaryDirectory, String) {
        let folder = try TemporaryDirectory()
        let store = try JournalStore(path: folder.file("journal.sqlite"))
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            for entry in ReportFixture.entries() + ReportFixture.agentEntries().filter({ $0.event.customer != ReportFixture.customer }) {
                _ = try await journal.append(entry.event)
            }
        }
        let config = folder.file("readaudit.yaml")
        try """
            dataDirectory: \(folder.path)
            reports: {controller: Example Bank plc, purpose: Account servicing}
            directory:
              agents: {\(ReportFixture.agent): \(ReportFixture.agentName), \(ReportFixture.otherAgent): \(ReportFixture.otherAgentName)}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (folder, config)
    }

    @Test(arguments: AccessReport.Format.allCases)
    func theCLIDataSubjectReportCarriesNoEmployeeIdentity(_ format: AccessReport.Format) async throws {
        let (folder, config) = try await Self.cliJournal()
        defer { folder.remove() }
        let result = try ReadAuditBinary.run([
            "report", "--config", config, "--customer", ReportFixture.customer, "--view", "data-subject", "--format", format.rawValue,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        for forbidden in Self.forbiddenInDataSubjectView {
            #expect(!result.stdout.contains(forbidden), "\(format): contains \(forbidden)")
        }
        #expect(result.stdout.contains("2026-03-03") && result.stdout.contains("Account servicing"))
        // The look is recorded, with its view.
        let store = try JournalStore(path: folder.file("journal.sqlite"))
        let last = try #require(try await store.latest(action: .auditReport))
        #expect(last.event.customer == ReportFixture.customer)
        #expect(last.event.detail["view"] == "data-subject" && last.event.detail["format"] == format.rawValue)
    }

    @Test func theCLIAgentReportNamesTheAgentAndIsRecorded() async throws {
        let (folder, config) = try await Self.cliJournal()
        defer { folder.remove() }
        let result = try ReadAuditBinary.run(["report", "--config", config, "--agent", ReportFixture.agent, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["name"] as? String == ReportFixture.agentName)
        #expect(json["attempts"] as? Int == 2)
        #expect((json["alerts"] as? [Any])?.count == 1)
        let store = try JournalStore(path: folder.file("journal.sqlite"))
        let last = try #require(try await store.latest(action: .auditReport))
        #expect(last.event.agent == ReportFixture.agent && last.event.customer == nil && last.event.detail["report"] == "agent")
        #expect(try await JournalVerification.verify(store).isIntact)
    }

    @Test(arguments: [
        ["--customer", "C-1", "--agent", ReportFixture.agent], [String](), ["--customer", "C-1", "--view", "public"],
        ["--agent", ReportFixture.agent, "--view", "data-subject"], ["--customer", "C-1", "--format", "pdf"],
    ])
    func theCLIRefusesAmbiguousReports(_ arguments: [String]) async throws {
        let (folder, config) = try await Self.cliJournal()
        defer { folder.remove() }
        let result = try ReadAuditBinary.run(["report", "--config", config] + arguments)
        #expect(result.status != 0)
    }
}

/// A customer's history with everything an internal report knows: agents with directory names, a
/// credential, an interaction, a source address and Genesys headers.
enum ReportFixture {
    static let customer = "C-1"
    static let agent = "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f"
    static let otherAgent = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    static let agentName = "Jane Doe"
    static let otherAgentName = "Rick Roe"
    static let credential = "genesys-prod-credential"
    static let interaction = "0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
    static let source = "10.20.30.40"
    static let correlationId = "corr-7f3e9c"
    static let organizationId = "org-5d2a1b"
    static let genesysUser = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"

    static var settings: ReportSettings {
        ReportSettings(
            controller: "Example Bank plc", purpose: "Account servicing",
            directory: AgentDirectory([agent: agentName, otherAgent: otherAgentName]))
    }

    static func draft(_ time: String, agent: String, customer: String, outcome: AuditOutcome, action: AuditAction = .customerRead) -> AuditEventDraft {
        let at = AuditTime(parsing: time)!
        let served = outcome == .served
        return AuditEventDraft(
            id: .make(at: at), time: at, node: "n1", action: action, outcome: outcome, code: served ? nil : "agent_blocked",
            credential: credential, agent: agent, interaction: interaction, customer: customer,
            fields: served ? ["firstName", "ssn"] : [], masked: served ? ["ssn"] : [], source: source,
            genesys: ["inin-correlation-id": correlationId, "inin-organization-id": organizationId, "inin-user-id": genesysUser])
    }

    static func seal(_ drafts: [AuditEventDraft]) -> [JournalEntry] {
        var previous = ChainHash.genesis
        return drafts.enumerated().map { index, draft in
            let entry = JournalEntry.seal(draft, sequence: Int64(index + 1), after: previous)
            previous = entry.hash
            return entry
        }
    }

    /// C-1 read by `agent` on 1 March, refused for `otherAgent` on 2 March, read by `otherAgent` on 3 March.
    static func entries(customer: String = customer) -> [JournalEntry] {
        seal([
            draft("2026-03-01T10:00:00Z", agent: agent, customer: customer, outcome: .served),
            draft("2026-03-02T10:00:00Z", agent: otherAgent, customer: customer, outcome: .denied),
            draft("2026-03-03T10:00:00Z", agent: otherAgent, customer: customer, outcome: .served),
        ])
    }

    /// `agent`: C-1 twice on 1 March at 10:00, C-2 late on 3 March, and an after-hours alert about it.
    static func agentEntries() -> [JournalEntry] {
        var alert = draft("2026-03-03T23:30:01Z", agent: agent, customer: "C-2", outcome: .failed, action: .alert("after_hours"))
        alert.detail = ["rule": "after_hours", "incident": "after_hours:x:3"]
        return seal([
            draft("2026-03-01T10:00:00Z", agent: agent, customer: customer, outcome: .served),
            draft("2026-03-01T10:30:00Z", agent: agent, customer: customer, outcome: .served),
            draft("2026-03-03T23:30:00Z", agent: agent, customer: "C-2", outcome: .served),
            alert,
        ])
    }
}
