import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import ServiceLifecycle
import Synchronization
import Testing

/// The file sink and its shipper: every event copied once, across restarts, partial writes and outages.
@Suite struct ShippingTests {
    static func fill(_ store: JournalStore, count: Int) async throws {
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            for index in 0..<count { _ = try await journal.append(JournalTests.draft(index)) }
        }
    }

    /// Runs a shipper for `sink` until it has shipped everything up to the journal's head.
    static func ship(_ store: JournalStore, to sink: any AuditSink) async throws {
        let journal = try await SQLiteJournal(store: store, logger: Logger(label: "test"))
        let head = try await store.headSequence()
        let shipper = Shipper(sink: sink, journal: journal, store: store, clock: ManualClock(), limits: SinkBatchLimits(maxEvents: 7, maxBytes: 1 << 20, maxDelay: .zero), pollInterval: .milliseconds(20), logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [journal, shipper], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while try await store.cursor(sink: sink.name) ?? 0 < head { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func sequences(_ path: String) throws -> [Int64] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            guard case .object(let members) = try JSONParser.parse(Array(line.utf8)),
                case .number(let seq)? = members.first(where: { $0.0 == "seq" })?.1
            else { throw TestSupportError("bad line") }
            return Int64(seq)!
        }
    }

    @Test func theFileSinkWritesEachEventOnceAcrossRestarts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        try await Self.fill(store, count: 30)
        try await Self.ship(store, to: FileSink(path: directory.file("audit.jsonl")))
        try await Self.fill(store, count: 20)
        try await Self.ship(store, to: FileSink(path: directory.file("audit.jsonl")))
        #expect(try Self.sequences(directory.file("audit.jsonl")) == Array(1...50))
    }

    @Test func aCrashBetweenWriteAndCursorNeitherLosesNorDuplicates() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        try await Self.fill(store, count: 10)
        let path = directory.file("audit.jsonl")
        // The file holds 1...6 and half of line 7; the stored cursor says only 3 were accepted.
        let entries = try await store.entries(after: 0, limit: 10)
        var text = entries.prefix(6).map { String(decoding: $0.jsonBytes, as: UTF8.self) + "\n" }.joined()
        text += String(String(decoding: entries[6].jsonBytes, as: UTF8.self).prefix(40))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try await store.saveCursor(sink: "file", sequence: 3, at: ManualClock().now())

        try await Self.ship(store, to: FileSink(path: path))
        #expect(try Self.sequences(path) == Array(1...10))
        // Every line is the journal's own export of that entry.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == entries.map { String(decoding: $0.jsonBytes, as: UTF8.self) })
    }

    @Test func aSinkOutageDelaysDeliveryAndLosesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        try await Self.fill(store, count: 25)
        let sink = RecordingSink()
        sink.failing = true
        let journal = try await SQLiteJournal(store: store, logger: Logger(label: "test"))
        let shipper = Shipper(sink: sink, journal: journal, store: store, clock: ManualClock(), limits: SinkBatchLimits(maxEvents: 10, maxBytes: 1 << 20, maxDelay: .zero), pollInterval: .milliseconds(20), logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [journal, shipper], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // While the sink is down, the appends keep going and the cursor stays put.
            _ = try await journal.append(JournalTests.draft(99))
            #expect(try await store.cursor(sink: sink.name) == nil)
            sink.failing = false
            while try await store.cursor(sink: sink.name) ?? 0 < 26 { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(sink.delivered.map(\.sequence) == Array(1...26))
    }

    /// A lingering batch is read when it is full (or due), not after every commit: at 1,000 reads/s each
    /// wake-up was a journal read per read, per sink.
    @Test func aLingeringBatchIsReadWhenFullNotAtEveryCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        let journal = try await SQLiteJournal(store: store, logger: Logger(label: "test"))
        let counting = CountingJournal(journal)
        let sink = RecordingSink()
        // A linger far longer than the test: the batch can only go because it is full.
        let shipper = Shipper(
            sink: sink, journal: counting, store: store, clock: ManualClock(),
            limits: SinkBatchLimits(maxEvents: 30, maxBytes: 1 << 20, maxDelay: .seconds(600)), pollInterval: .seconds(600),
            logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [journal, shipper], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for index in 0..<30 { _ = try await journal.append(JournalTests.draft(index)) }
            while try await store.cursor(sink: sink.name) ?? 0 < 30 { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(sink.delivered.map(\.sequence) == Array(1...30))
        #expect(sink.batchCount == 1)
        // Reads that do not depend on the number of commits: one or two before the batch has its first
        // entries, one when it is full, the read-ahead a full batch starts, and the next (empty) batch:
        // about 6. Reading after each of the 30 commits was 34.
        #expect(counting.reads <= 8, "the shipper read the journal \(counting.reads) times for one batch of 30")
    }

    @Test func aJournalThatCannotRecordTheCursorNeverStopsTheShipper() async throws {
        let sink = RecordingSink()
        sink.failing = true
        try await ShipperHarness.run(sinks: [ConfiguredSink(sink)], busyTimeout: .milliseconds(50)) { harness in
            let first = try await harness.appendReads(5)
            // Another process holds the write lock for ten busy timeouts while the sink accepts the batch:
            // the cursor cannot be recorded. The shipper must log, keep going, and record it later.
            let lock = try ExclusiveLock(path: harness.store.path)
            sink.failing = false
            try await harness.waitUntil("the batch was delivered") { sink.delivered.count >= 5 }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await harness.store.cursor(sink: sink.name) == nil)
            lock.release()
            try await harness.waitUntilShipped(sink)
            let more = try await harness.appendReads(3, startingAt: 5)
            try await harness.waitUntilShipped(sink)
            #expect(Set((first + more).map(\.event.id)).isSubset(of: Set(sink.delivered.map(\.event.id))))
        }
    }

    @Test func aSinkThatHangsIsAbandonedRetriedAndReportedDegraded() async throws {
        let sink = HangingSink()
        try await ShipperHarness.run(sinks: [ConfiguredSink(sink, degradedAfter: .zero)], deliveryTimeout: .milliseconds(100)) { harness in
            let written = try await harness.appendReads(3)
            try await harness.waitUntil("audit.sink_degraded is recorded") {
                try await harness.entries().contains { $0.event.action == .sinkDegraded }
            }
            // The hung delivery was abandoned, and the batch is tried again after the back-off.
            try await harness.waitUntil("a second attempt") { sink.attemptCount >= 2 }
            #expect(try await harness.store.cursor(sink: sink.name) == nil)
            sink.release()
            try await harness.waitUntilShipped(sink)
            #expect(try await harness.store.cursor(sink: sink.name) ?? 0 >= written.last!.sequence)
        }
    }

    @Test func backoffGrowsIsCappedAndResets() {
        var backoff = RetryBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.nextDelay(jitter: 0.5) == .milliseconds(100))
        #expect(backoff.nextDelay(jitter: 0.5) == .milliseconds(200))
        #expect(backoff.nextDelay(jitter: 0.5) == .milliseconds(400))
        #expect(backoff.nextDelay(jitter: 0.5) == .milliseconds(800))
        #expect(backoff.nextDelay(jitter: 0.5) == .seconds(1))
        #expect(backoff.nextDelay(jitter: 1) == .milliseconds(1200))
        #expect(backoff.nextDelay(jitter: 0) == .milliseconds(800))
        backoff.reset()
        #expect(backoff.nextDelay(jitter: 0.5) == .milliseconds(100))
    }
}

/// Counts the reads a reader makes through the journal.
final class CountingJournal: AuditJournal {
    let base: SQLiteJournal
    private let count = Mutex(0)
    init(_ base: SQLiteJournal) { self.base = base }
    var reads: Int { count.withLock { $0 } }
    func append(_ event: AuditEventDraft) async throws -> JournalEntry { try await base.append(event) }
    func entries(after sequence: Int64, limit: Int) async throws -> [JournalEntry] {
        count.withLock { $0 += 1 }
        return try await base.entries(after: sequence, limit: limit)
    }
    func waitForEntries(after sequence: Int64) async { await base.waitForEntries(after: sequence) }
}
