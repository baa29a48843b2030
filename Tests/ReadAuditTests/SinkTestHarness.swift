import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import ServiceLifecycle

/// Entries, journals and shippers for the HTTP sink suites (Datadog, webhook).
enum SinkTestHarness {
    /// The time of every test event (ManualClock's start).
    static let eventTime = ManualClock().now()

    /// `count` chained entries from sequence 1, one per customer `C-<index>`, at `time`.
    static func entries(_ count: Int, at time: AuditTime = eventTime, outcome: AuditOutcome = .served) -> [JournalEntry] {
        var previous = ChainHash(bytes: [UInt8](repeating: 0, count: 32))!
        return (0..<count).map { index in
            var draft = JournalTests.draft(index, clock: ManualClock(time))
            draft.outcome = outcome
            let entry = JournalEntry.seal(draft, sequence: Int64(index + 1), after: previous)
            previous = entry.hash
            return entry
        }
    }

    /// A journal file in `directory` holding `count` events.
    static func store(in directory: TemporaryDirectory, events count: Int) throws -> JournalStore {
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        _ = try store.commit((0..<count).map { JournalTests.draft($0) })
        return store
    }

    /// The journal's event ids, in sequence order.
    static func eventIDs(_ store: JournalStore, action: AuditAction? = nil) async throws -> [String] {
        try await store.entries(after: 0, limit: 100_000).filter { action == nil || $0.event.action == action }.map(\.event.id.rawValue)
    }

    /// Runs the journal and a shipper for each sink (fast retries, small batches) while `body` runs, then
    /// shuts them down gracefully.
    static func withShippers<T: Sendable>(
        _ sinks: [any AuditSink], store: JournalStore, clock: ManualClock = ManualClock(), maxEvents: Int = 7,
        _ body: (SQLiteJournal) async throws -> T
    ) async throws -> T {
        let journal = try await SQLiteJournal(store: store, logger: Logger(label: "test"))
        let shippers: [any Service] = sinks.map { sink in
            Shipper(
                sink: sink, journal: journal, store: store, clock: clock,
                limits: SinkBatchLimits(maxEvents: maxEvents, maxBytes: 1 << 20, maxDelay: .zero), pollInterval: .milliseconds(20),
                backoff: RetryBackoff(initial: .milliseconds(10), maximum: .milliseconds(50)), logger: Logger(label: "test"))
        }
        return try await runWhileServing([journal] + shippers) { try await body(journal) }
    }

    /// Returns once `condition` holds; throws when it still does not after `timeout`.
    static func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TestSupportError("timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The commented-out `type` sink of readaudit.example.yaml, uncommented, in a configuration file at `path`.
    static func writeExampleSink(_ type: String, to path: String) throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("readaudit.example.yaml")
        let lines = try String(contentsOf: example, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0 == "  # - type: \(type)" }) else { throw TestSupportError("no \(type) sink in the example") }
        let block = lines[start...].prefix { !$0.isEmpty }.map { String($0.dropFirst(4)) }
        try (["pseudonymKey: {env: PSEUDONYM_KEY}", "sinks:"] + block).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Waits until the sink's cursor has reached the journal's head (which sink events may move on meanwhile).
    static func shipped(_ store: JournalStore, sink: String) async throws {
        try await eventually("\(sink) has everything") {
            try await store.cursor(sink: sink) ?? 0 >= store.headSequence()
        }
    }
}
