import Foundation
import GRDB
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The SQLite journal: durable, group-committed, append-only, hash-chained.
@Suite struct JournalTests {
    static func draft(_ index: Int, clock: ManualClock = ManualClock()) -> AuditEventDraft {
        let time = clock.now()
        return AuditEventDraft(
            id: .make(at: time), time: time, node: "n1", action: .customerRead, outcome: .served, credential: "c",
            agent: TestCredentials.agentId, interaction: TestCredentials.interactionId, customer: "C-\(index)",
            fields: ["ssn", "name"], masked: ["ssn"], source: "127.0.0.1")
    }

    @Test func commitsAreFsyncedWithSynchronousFull() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"))
        // GRDB resets WAL databases to NORMAL after prepareDatabase; 2 means FULL survived.
        #expect(try store.synchronousLevel() == 2)
        let mode = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func concurrentAppendsShareCommitsAndFormOneChain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"))
        let entries = try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            try await withThrowingTaskGroup(of: JournalEntry.self) { group in
                for index in 0..<500 { group.addTask { try await journal.append(Self.draft(index)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(Set(entries.map(\.sequence)) == Set(1...500))
        let result = try await JournalVerification.verify(store)
        #expect(result.isIntact)
        #expect(result.verifiedCount == 500)
        // What each appender was told is exactly what the file holds.
        let stored = try await store.entries(after: 0, limit: 1000)
        #expect(stored.map(\.hash) == entries.sorted { $0.sequence < $1.sequence }.map(\.hash))
    }

    @Test func groupCommitBatchesConcurrentAppenders() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let metrics = GatewayMetrics()
        let store = try JournalStore(path: directory.file("j.sqlite"))
        let journal = try await SQLiteJournal(store: store, metrics: metrics.journal, logger: Logger(label: "test"))
        // Queue 256 appends before the writer starts: they must go out in one commit.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<256 { group.addTask { _ = try await journal.append(Self.draft(index)) } }
            while journal.pendingCount < 256 { await Task.yield() }
            group.addTask { try await journal.run() }
            while try await store.headSequence() < 256 { await Task.yield() }
            journal.close()
            try await group.waitForAll()
        }
        let exposition = metrics.render()
        #expect(exposition.contains("readaudit_journal_batch_size_count 1"))
        #expect(exposition.contains("readaudit_journal_batch_size_sum 256"))
    }

    @Test func theSchemaRefusesUpdateAndDelete() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"))
        _ = try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { try await $0.append(Self.draft(1)) }
        await #expect(throws: DatabaseError.self) {
            try await store.pool.write { try $0.execute(sql: "UPDATE events SET customer = 'X'") }
        }
        await #expect(throws: DatabaseError.self) {
            try await store.pool.write { try $0.execute(sql: "DELETE FROM events") }
        }
        #expect(try await store.entries(after: 0, limit: 10).first?.event.customer == "C-1")
    }

    @Test func appendsAfterCloseAreRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"))
        let journal = try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { $0 }
        await #expect(throws: JournalError.self) { try await journal.append(Self.draft(1)) }
    }

    @Test func aSecondWriterProcessNeverForksTheChain() async throws {
        // Two journals on one file (the gateway and the CLI): the head is read inside each transaction.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = try JournalStore(path: directory.file("j.sqlite"))
        let b = try JournalStore(path: directory.file("j.sqlite"))
        try await SQLiteJournal.withRunning(store: a, logger: Logger(label: "a")) { journalA in
            try await SQLiteJournal.withRunning(store: b, logger: Logger(label: "b")) { journalB in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<100 {
                        group.addTask { _ = try await (index % 2 == 0 ? journalA : journalB).append(Self.draft(index)) }
                    }
                    try await group.waitForAll()
                }
            }
        }
        let result = try await JournalVerification.verify(a)
        #expect(result.isIntact && result.verifiedCount == 100)
    }
}
