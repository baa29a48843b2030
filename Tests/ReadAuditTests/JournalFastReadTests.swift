import Foundation
import GRDB
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The journal's fast row decoder (`entries(after:)`, which every shipper, the detector and `walk` read
/// through) against what was committed and against the general decoder (the access queries'): the same
/// entries for every row, and the same error for every damaged one.
@Suite struct JournalFastReadTests {
    @Test func hostileEventsReadBackExactlyAsCommittedThroughBothDecoders() async throws {
        let seed = SeededGenerator.suiteSeed &+ 41
        var g = SeededGenerator(seed: seed)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"))
        var committed: [JournalEntry] = []
        // Hostile values (which the fast decoder mostly declines) and plain ones (which it takes), interleaved.
        for batch in 0..<20 {
            committed += try store.commit((0..<100).map { index in
                index % 2 == 0 ? FuzzInput.event(&g).storable : Self.plainEvent(batch * 100 + index)
            })
        }
        let fast = try await store.entries(after: 0, limit: 10_000)
        let general = try await store.all(JournalQuery(subject: .any)).sorted { $0.sequence < $1.sequence }
        #expect(fast.count == committed.count)
        for (index, entry) in committed.enumerated() where index < fast.count {
            #expect(fast[index] == entry, "seed \(seed) entry \(entry.sequence)")
        }
        #expect(general == committed, "seed \(seed)")
        print("readaudit-fuzz: JournalFastReadTests \(committed.count) cases")
    }

    /// An event as the gateway writes them for a customer read: nothing the fast decoder declines.
    static func plainEvent(_ index: Int) -> AuditEventDraft {
        let time = AuditTime(microseconds: 1_764_000_000_000_000 + Int64(index))
        return AuditEventDraft(
            id: .make(at: time), time: time, node: "n1", action: .customerRead, outcome: .served, credential: "genesys",
            agent: TestCredentials.agentId, interaction: index % 3 == 0 ? nil : "i-\(index)", customer: "C-\(index)",
            fields: ["firstName", "ssn"], masked: index % 2 == 0 ? ["ssn"] : [], source: "10.0.0.1",
            genesys: ["inin-correlation-id": "c-\(index)", "inin-user-id": "u"], detail: index % 4 == 0 ? ["why": "ticket 7"] : [:])
    }

    /// Rows changed behind the gateway's back: what the fast decoder declines goes to the general one, so
    /// both reads agree, value for value or error for error.
    @Test(arguments: [
        "genesys = '{\"z\":\"1\",\"a\":\"2\"}'",       // keys out of order
        "detail = '{\"a\":\"1\",\"a\":\"2\"}'",        // a repeated key
        "fields = '[\"\\u0041b\",\"c\"]'",             // an escaped JSON string
        "fields = '[ \"a\" ]'",                        // other spacing
        "masked = '[\"a\\\"b\"]'",
        "fields = 'not json'",
        "customer = CAST(X'610062' AS TEXT)",          // a NUL inside
        "agent = CAST(X'ff61' AS TEXT)",               // not UTF-8
        "customer = X'6162'",                          // a BLOB
        "customer = 42",                               // an INTEGER
        "time_us = 'soon'",
        "hash = '0123456789abcdef0123456789abcdef'",    // 32 bytes, but TEXT
        "id = 'not-a-uuid'",
        "node = X'6e31'",
    ])
    func aDamagedRowReadsTheSameThroughBothDecoders(_ change: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"))
        _ = try store.commit((0..<5).map { Self.plainEvent($0) })
        try await store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER events_refuse_update; UPDATE events SET \(change) WHERE seq = 3")
        }
        let fast: Result<[JournalEntry], any Error>
        do { fast = .success(try await store.entries(after: 0, limit: 100)) } catch { fast = .failure(error) }
        let general: Result<[JournalEntry], any Error>
        do { general = .success(try await store.all(JournalQuery(subject: .any)).sorted { $0.sequence < $1.sequence }) } catch {
            general = .failure(error)
        }
        switch (fast, general) {
        case (.success(let a), .success(let b)): #expect(a == b, "\(change)")
        case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "\(change)")
        default: Issue.record("\(change): the fast read gave \(fast), the general one \(general)")
        }
    }
}
