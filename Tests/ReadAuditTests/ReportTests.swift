import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// `readaudit report` (the real binary): who accessed a customer's record, when, which fields, for which
/// interaction, with what outcome, over a period; and the look itself is recorded.
@Suite struct ReportTests {
    /// A journal where C-1 was read on 1 and 3 March and refused on 2 March, and C-2 read once.
    static func journal() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            func read(_ customer: String, _ day: String, _ outcome: AuditOutcome, agent: String) async throws {
                let time = AuditTime(parsing: "2026-03-\(day)T10:00:00Z")!
                _ = try await journal.append(AuditEventDraft(
                    id: .make(at: time), time: time, node: "n1", action: .customerRead, outcome: outcome,
                    code: outcome == .served ? nil : "invalid_format", credential: "genesys", agent: agent,
                    interaction: TestCredentials.interactionId, customer: customer,
                    fields: outcome == .served ? ["firstName", "ssn"] : [], masked: outcome == .served ? ["ssn"] : [],
                    source: "10.0.0.7"))
            }
            try await read("C-1", "01", .served, agent: "agent-a")
            try await read("C-1", "02", .invalid, agent: "agent-b")
            try await read("C-2", "02", .served, agent: "agent-a")
            try await read("C-1", "03", .served, agent: "agent-c")
        }
        return directory
    }

    @Test func csvListsEveryAttemptInTimeOrderWithinThePeriod() async throws {
        let directory = try await Self.journal()
        defer { directory.remove() }
        let result = try ReadAuditBinary.run([
            "report", "--data-dir", directory.path, "--customer", "C-1", "--from", "2026-03-01", "--to", "2026-03-03", "--format", "csv",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "time,agent,credential,interaction,outcome,code,fields,masked,source,event_id,seq")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix(#""2026-03-01T10:00:00.000000Z","agent-a","genesys","\#(TestCredentials.interactionId)","served","","firstName ssn","ssn","10.0.0.7""#))
        #expect(lines[2].contains(#""agent-b""#) && lines[2].contains(#""invalid","invalid_format""#))
    }

    @Test func jsonAndTextCoverTheWholeHistoryByDefault() async throws {
        let directory = try await Self.journal()
        defer { directory.remove() }
        let json = try ReadAuditBinary.run(["report", "--data-dir", directory.path, "--customer", "C-1", "--format", "json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let accesses = try #require(object?["accesses"] as? [[String: Any]])
        #expect(accesses.map { $0["agent"] as? String } == ["agent-a", "agent-b", "agent-c"])
        #expect(accesses.allSatisfy { $0["customer"] as? String == "C-1" })

        let text = try ReadAuditBinary.run(["report", "--data-dir", directory.path, "--customer", "C-1"])
        #expect(text.stdout.contains("3 attempt(s), 2 served"))
        #expect(text.stdout.contains("fields: firstName, ssn"))
    }

    @Test func theReportIsItselfRecordedAndTheChainStillVerifies() async throws {
        let directory = try await Self.journal()
        defer { directory.remove() }
        _ = try ReadAuditBinary.run(["report", "--data-dir", directory.path, "--customer", "C-2"])
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        let last = try #require(try await store.entries(after: 4, limit: 10).first)
        #expect(last.event.action == .auditReport)
        #expect(last.event.customer == "C-2")
        #expect(last.event.detail["rows"] == "1")
        #expect(try await JournalVerification.verify(store).isIntact)
    }

    @Test func badDatesAreRefusedWithAClearMessage() async throws {
        let directory = try await Self.journal()
        defer { directory.remove() }
        let result = try ReadAuditBinary.run(["report", "--data-dir", directory.path, "--customer", "C-1", "--from", "last week"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--from"))
    }
}
