import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The postgres sink against a real PostgreSQL server: every entry lands once, re-sent batches insert
/// nothing, and what comes back hashes to the same chain.
@Suite(.serialized) struct ClusterSinkTests {
    /// A local journal at `path` of `events` entries, the `index`th made by `event` at a millisecond apart.
    static func journal(
        _ path: String, events: Int, _ event: @escaping @Sendable (Int, AuditTime) -> AuditEventDraft
    ) async throws -> [JournalEntry] {
        let store = try JournalStore(path: path)
        return try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            var appended: [JournalEntry] = []
            for index in 0..<events {
                appended.append(try await journal.append(event(index, AuditTime(microseconds: 1_764_000_000_000_000 + Int64(index) * 1000))))
            }
            return appended
        }
    }

    @Test func shipsEntriesOnceAndTheyReadBackAsTheSameChain() async throws {
        try await RealPostgres.withRunning { server in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let entries = try await Self.journal(directory.file("j.sqlite"), events: 300) { index, time in
                AuditEventDraft(
                    id: .make(at: time), time: time, node: "n1", action: .customerRead, outcome: .served,
                    credential: index % 2 == 0 ? "c" : nil, agent: TestCredentials.agentId, interaction: nil,
                    customer: "C-\(index)", fields: ["ssn", "name"], masked: index % 3 == 0 ? ["ssn"] : [],
                    source: "127.0.0.1", genesys: ["inin-user-id": "u"], detail: index % 5 == 0 ? ["why": "it's \"quoted\""] : [:])
            }
            try await withClusterDatabase(server) { database in
                let sink = PostgresSink(database: database, chain: "n1", logger: Logger(label: "test"))
                #expect(await sink.deliver(SinkBatch(entries: Array(entries.prefix(200)))) == .delivered)
                // A crash between delivery and cursor save re-sends an overlapping batch: nothing doubles.
                #expect(await sink.deliver(SinkBatch(entries: Array(entries.suffix(150)), isRetry: true)) == .delivered)
                #expect(await sink.deliver(SinkBatch(entries: entries)) == .delivered)
                #expect(try await server.count("SELECT count(*) FROM readaudit.events") == 300)
                #expect(try await server.count("SELECT count(DISTINCT id) FROM readaudit.events") == 300)
                #expect(try await server.count("SELECT count(*) FROM readaudit.events WHERE credential IS NULL") == 150)

                let rows = try await database.withConnection { connection in
                    try await connection.query(
                        "SELECT \(unescaped: ClusterEvents.columns) FROM readaudit.events ORDER BY chain, seq", logger: Logger(label: "test")
                    ).collect().map { try ClusterEvents.entry(from: $0) }
                }
                #expect(rows.map(\.chain) == Array(repeating: "n1", count: 300))
                #expect(rows.map(\.entry) == entries)
                var previous = ChainHash.genesis
                for (_, entry) in rows {
                    #expect(entry.previousHash == previous)
                    #expect(JournalEntry.seal(entry.event, sequence: entry.sequence, after: previous).hash == entry.hash)
                    previous = entry.hash
                }
                // Rows are append-only in PostgreSQL too.
                await #expect(throws: (any Error).self) { try await server.psql("DELETE FROM readaudit.events") }
                #expect(try await server.count("SELECT count(*) FROM readaudit.events") == 300)
            }
        }
    }

    /// The sink's batch encoding (binary column arrays) carries any text: every text column holds a
    /// backslash, tab, newline, carriage return, `\N`, `\.`, control and non-ASCII characters, or nothing,
    /// and comes back byte for byte (an encoding that misread one would fail the equality, or the delivery).
    @Test func anyTextArrivesByteForByte() async throws {
        let hostile = ["back\\slash", "tab\there", "line\nbreak", "cr\rreturn", "\\N", "\\.", "\\", "trailing\\",
                       "\u{01}ctl\u{7F}", "ünïcødé ✓ 𝄞", "quote\"s", ""]
        try await RealPostgres.withRunning { server in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let entries = try await Self.journal(directory.file("j.sqlite"), events: hostile.count) { index, time in
                let value = hostile[index]
                return AuditEventDraft(
                    id: .make(at: time), time: time, node: "n1", action: AuditAction(rawValue: "x." + value),
                    outcome: AuditOutcome(rawValue: value), code: value, credential: value, agent: value, interaction: value,
                    customer: value, fields: [value, "ssn"], masked: [value], source: value,
                    genesys: [value: value], detail: ["k\t" + value: value + "\n"])
            }
            try await withClusterDatabase(server) { database in
                let sink = PostgresSink(database: database, chain: "n1", logger: Logger(label: "test"))
                #expect(await sink.deliver(SinkBatch(entries: entries)) == .delivered)
                let rows = try await database.withConnection { connection in
                    try await connection.query(
                        "SELECT \(unescaped: ClusterEvents.columns) FROM readaudit.events ORDER BY chain, seq", logger: Logger(label: "test")
                    ).collect().map { try ClusterEvents.entry(from: $0) }
                }
                #expect(rows.map(\.entry) == entries)
                #expect(try await server.count("SELECT count(*) FROM readaudit.events WHERE customer = E'line\\nbreak'") == 1)
                #expect(try await server.count("SELECT count(*) FROM readaudit.events WHERE customer = E'\\\\N'") == 1)
                #expect(try await server.count("SELECT count(*) FROM readaudit.events WHERE customer IS NULL") == 0)
            }
        }
    }

    @Test func aSecondJournalUnderTheSameNodeNameIsRefusedNotMerged() async throws {
        try await RealPostgres.withRunning { server in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            func journal(_ file: String, reads: Int) async throws -> [JournalEntry] {
                try await Self.journal(directory.file(file), events: reads) { index, time in
                    AuditEventDraft(
                        id: .make(at: time), time: time, node: "same-name", action: .customerRead, outcome: .served,
                        agent: TestCredentials.agentId, customer: "C-\(index)")
                }
            }
            let first = try await journal("a.sqlite", reads: 20)
            let second = try await journal("b.sqlite", reads: 30)
            try await withClusterDatabase(server) { (database: ClusterDatabase) async throws -> Void in
                let sink = PostgresSink(database: database, chain: "same-name", logger: Logger(label: "test"))
                #expect(await sink.deliver(SinkBatch(entries: first)) == .delivered)
                // The other journal, from its start or from the middle: both refused, nothing inserted.
                guard case .rejected = await sink.deliver(SinkBatch(entries: Array(second.prefix(10)))) else {
                    Issue.record("a second chain under the same name was accepted")
                    return
                }
                guard case .rejected = await sink.deliver(SinkBatch(entries: Array(second.suffix(10)))) else {
                    Issue.record("a second chain's later entries were accepted")
                    return
                }
                #expect(try await server.count("SELECT count(*) FROM readaudit.events") == 20)
                // The first journal's own re-sent and next batches still go through.
                #expect(await sink.deliver(SinkBatch(entries: Array(first.suffix(5)), isRetry: true)) == .delivered)
            }
        }
    }
}
