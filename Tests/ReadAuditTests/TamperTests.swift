import Foundation
import GRDB
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// `readaudit verify` (the real binary) finds an edit, a deletion and a swap in a 1,000-event journal,
/// made the way an attacker with file access would: triggers dropped first.
@Suite struct TamperTests {
    /// A journal of 1,000 events in its own data directory.
    static func journalOf1000() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        let clock = ManualClock()
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            for chunk in 0..<10 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<100 {
                        clock.advance(by: .milliseconds(1))
                        let draft = JournalTests.draft(chunk * 100 + index, clock: clock)
                        group.addTask { _ = try await journal.append(draft) }
                    }
                    try await group.waitForAll()
                }
            }
        }
        return directory
    }

    static func tamper(_ directory: TemporaryDirectory, _ sql: String) throws {
        let queue = try DatabaseQueue(path: directory.file("journal.sqlite"))
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_refuse_update; DROP TRIGGER events_refuse_delete;")
            try db.execute(sql: sql)
        }
        try queue.close()
    }

    static func verify(_ directory: TemporaryDirectory) throws -> (status: Int32, stdout: String) {
        let result = try ReadAuditBinary.run(["verify", "--data-dir", directory.path, "--read-only"])
        return (result.status, result.stdout)
    }

    @Test func anIntactJournalVerifies() async throws {
        let directory = try await Self.journalOf1000()
        defer { directory.remove() }
        let result = try Self.verify(directory)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("OK: 1000 entries"))
    }

    @Test func anEditedColumnIsFoundAtItsSequence() async throws {
        let directory = try await Self.journalOf1000()
        defer { directory.remove() }
        try Self.tamper(directory, "UPDATE events SET agent = 'someone-else' WHERE seq = 500")
        let result = try Self.verify(directory)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED: sequence 500: contents_altered"), "\(result.stdout)")
    }

    @Test func aDeletedRowIsFoundAtItsSequence() async throws {
        let directory = try await Self.journalOf1000()
        defer { directory.remove() }
        try Self.tamper(directory, "DELETE FROM events WHERE seq = 731")
        let result = try Self.verify(directory)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED: sequence 731: missing_sequence"), "\(result.stdout)")
    }

    @Test func swappedRowsAreFoundAtTheFirstOfThem() async throws {
        let directory = try await Self.journalOf1000()
        defer { directory.remove() }
        try Self.tamper(directory, """
            UPDATE events SET seq = 1000000 WHERE seq = 300;
            UPDATE events SET seq = 300 WHERE seq = 301;
            UPDATE events SET seq = 301 WHERE seq = 1000000;
            """)
        let result = try Self.verify(directory)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED: sequence 300:"), "\(result.stdout)")
    }

    @Test func aRowRelinkedAfterADeletionIsStillFound() async throws {
        // Deleting row 10 and renumbering every later row hides the gap; the links still break at 10.
        let directory = try await Self.journalOf1000()
        defer { directory.remove() }
        try Self.tamper(directory, """
            DELETE FROM events WHERE seq = 10;
            UPDATE events SET seq = seq + 1000000 WHERE seq > 10;
            UPDATE events SET seq = seq - 1000001 WHERE seq > 1000000;
            """)
        let result = try Self.verify(directory)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED: sequence 10:"), "\(result.stdout)")
    }

    @Test(arguments: [
        "UPDATE events SET fields = 'not json' WHERE seq = 42",
        "UPDATE events SET node = NULL WHERE seq = 42",
        "UPDATE events SET hash = x'00' WHERE seq = 42",
        "UPDATE events SET time_us = 'yesterday' WHERE seq = 42",
    ])
    func aDamagedColumnIsReportedAtItsSequenceNotACrash(_ sql: String) async throws {
        let directory = try await Self.journalOf1000()
        defer { directory.remove() }
        // Rebuild the table without its constraints first, as an attacker with the file could.
        try Self.tamper(directory, """
            CREATE TABLE loose AS SELECT * FROM events; DROP TABLE events; ALTER TABLE loose RENAME TO events;
            \(sql);
            """)
        let result = try Self.verify(directory)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED: sequence 42:"), "\(result.stdout)")
    }

    @Test func verifyRecordsItselfInTheChain() async throws {
        let directory = try await Self.journalOf1000()
        defer { directory.remove() }
        let result = try ReadAuditBinary.run(["verify", "--data-dir", directory.path])
        #expect(result.status == 0)
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        let last = try #require(try await store.entries(after: 1000, limit: 10).first)
        #expect(last.event.action == .auditVerify)
        #expect(last.event.detail["verified"] == "1000")
        #expect(try await JournalVerification.verify(store).verifiedCount == 1001)
    }
}
