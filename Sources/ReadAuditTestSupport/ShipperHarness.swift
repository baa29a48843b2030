import Foundation
import Logging
import ReadAudit
import ServiceLifecycle

/// A real journal in a temporary directory with shippers running for the given sinks, for as long as `body` runs.
public struct ShipperHarness: Sendable {
    public let directory: TemporaryDirectory
    public let store: JournalStore
    public let journal: SQLiteJournal
    public let clock: ManualClock
    public let monitor: SinkMonitor

    /// Appends `count` customer reads (customers C-0, C-1, ...), each a millisecond after the previous.
    @discardableResult
    public func appendReads(_ count: Int, startingAt first: Int = 0) async throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        for index in first..<(first + count) {
            clock.advance(by: .milliseconds(1))
            let time = clock.now()
            entries.append(try await journal.append(AuditEventDraft(
                id: .make(at: time), time: time, node: "harness", action: .customerRead, outcome: .served, credential: "genesys",
                agent: "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f", interaction: "0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d",
                customer: "C-\(index)", fields: ["firstName", "ssn"], masked: ["ssn"], source: "127.0.0.1")))
        }
        return entries
    }

    /// Every journal entry, oldest first.
    public func entries() async throws -> [JournalEntry] { try await store.entries(after: 0, limit: 10_000_000) }

    /// Waits until `condition` holds, checking after each journal or cursor change and at most every 10 ms;
    /// fails after `timeout`.
    public func waitUntil(
        timeout: Duration = .seconds(20), _ what: String, _ condition: @Sendable () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TestSupportError("timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until the sink's cursor reaches the journal's head.
    public func waitUntilShipped(_ sink: any AuditSink, timeout: Duration = .seconds(20)) async throws {
        try await waitUntil(timeout: timeout, "\(sink.name) has everything") {
            let head = try await store.headSequence()
            return try await store.cursor(sink: sink.name) ?? 0 >= head
        }
    }

    /// Runs the journal and one shipper per sink while `body` runs, then shuts them down gracefully.
    public static func run<T: Sendable>(
        sinks: [ConfiguredSink], busyTimeout: Duration = .seconds(2), deliveryTimeout: Duration = .seconds(300),
        _ body: (ShipperHarness) async throws -> T
    ) async throws -> T {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let logger = Logger(label: "shipper-harness")
        let store = try JournalStore(path: directory.file("journal.sqlite"), busyTimeout: busyTimeout)
        let journal = try await SQLiteJournal(store: store, logger: logger)
        let clock = ManualClock()
        let monitor = SinkMonitor(registry: .init())
        let shippers: [any Service] = sinks.map {
            Shipper(
                sink: $0.sink, journal: journal, store: store, node: "harness", clock: clock, limits: $0.limits,
                degradedAfter: $0.degradedAfter, pollInterval: .milliseconds(20), monitor: monitor,
                backoff: RetryBackoff(initial: .milliseconds(10), maximum: .milliseconds(50)), deliveryTimeout: deliveryTimeout,
                logger: logger)
        }
        let harness = ShipperHarness(directory: directory, store: store, journal: journal, clock: clock, monitor: monitor)
        return try await runWhileServing([journal] + shippers) { try await body(harness) }
    }
}
