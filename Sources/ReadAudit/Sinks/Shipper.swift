import Logging
import ServiceLifecycle

/// Tails the journal for one sink from the sink's own persisted cursor. The cursor moves only when the
/// sink has accepted a batch, so an outage delays the copy and never loses it; one sink never waits on another.
public final class Shipper: Service {
    public let sink: any AuditSink
    private let journal: any AuditJournal
    private let store: JournalStore
    private let clock: any WallClock
    private let batchSize: Int
    private let pollInterval: Duration
    private let logger: Logger

    public init(
        sink: any AuditSink, journal: any AuditJournal, store: JournalStore, clock: any WallClock,
        batchSize: Int = 500, pollInterval: Duration = .seconds(1), logger: Logger
    ) {
        self.sink = sink
        self.journal = journal
        self.store = store
        self.clock = clock
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// The sequence to ship after: the stored cursor, or further if the sink itself already holds more.
    func startingCursor() async throws -> Int64 {
        let stored = try await store.cursor(sink: sink.name) ?? 0
        let held = try await sink.resumeSequence() ?? 0
        if held > stored {
            try await store.saveCursor(sink: sink.name, sequence: held, at: clock.now())
            return held
        }
        return stored
    }

    public func run() async throws {
        var cursor = try await startingCursor()
        var backoff = RetryBackoff()
        var retrying = false
        logger.info("Shipper started", metadata: ["sink": "\(sink.name)", "cursor": "\(cursor)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let entries = try await journal.entries(after: cursor, limit: batchSize)
            guard !entries.isEmpty else {
                await waitUntil(newEntriesAfter: cursor, orAfter: pollInterval)
                continue
            }
            let result = await sink.deliver(SinkBatch(entries: entries, isRetry: retrying))
            switch result {
            case .delivered:
                cursor = entries.last!.sequence
                try await store.saveCursor(sink: sink.name, sequence: cursor, at: clock.now())
                if retrying {
                    logger.info("Sink recovered; backlog delivery resumed", metadata: ["sink": "\(sink.name)", "cursor": "\(cursor)"])
                }
                backoff.reset()
                retrying = false
            case .retry(let reason), .rejected(let reason):
                retrying = true
                let delay = backoff.nextDelay(jitter: Double.random(in: 0...1))
                logger.warning(
                    "Sink did not accept a batch; events stay in the journal and will be re-sent. Check the sink's health.",
                    metadata: ["sink": "\(sink.name)", "reason": "\(reason)", "retry.in": "\(delay)", "failures": "\(backoff.failures)"])
                await waitUntil(newEntriesAfter: nil, orAfter: delay)
            }
        }
        // Graceful shutdown: one last pass, so what was appended up to the stop (the gateway.stop event)
        // reaches the sink now rather than at the next start. No retries: the journal still holds it.
        if !Task.isCancelled, !retrying {
            let rest = try await journal.entries(after: cursor, limit: batchSize)
            if !rest.isEmpty, await sink.deliver(SinkBatch(entries: rest)) == .delivered {
                cursor = rest.last!.sequence
                try await store.saveCursor(sink: sink.name, sequence: cursor, at: clock.now())
            }
        }
        logger.info("Shipper stopped", metadata: ["sink": "\(sink.name)", "cursor": "\(cursor)"])
    }

    /// Returns when an entry after `sequence` exists (if given), `timeout` passes, or shutdown begins.
    private func waitUntil(newEntriesAfter sequence: Int64?, orAfter timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            if let sequence {
                group.addTask { await self.journal.waitForEntries(after: sequence) }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { try? await gracefulShutdown() }
            await group.next()
            group.cancelAll()
        }
    }
}
