import Logging
import ServiceLifecycle

/// Tails the journal for one sink from the sink's own persisted cursor. The cursor moves only as far as
/// the sink accepted, so an outage delays the copy and never loses it; one sink never waits on another.
/// Decisions are `ShipperStateMachine`'s; this shell reads, delivers, records and waits.
public final class Shipper: Service {
    public let sink: any AuditSink
    private let journal: any AuditJournal
    private let store: JournalStore
    private let node: String
    private let clock: any WallClock
    private let limits: SinkBatchLimits
    private let degradedAfter: Duration
    private let pollInterval: Duration
    private let monitor: SinkMonitor?
    private let backoff: RetryBackoff
    /// A delivery still running after this long is abandoned and counted as a failure (to retry), so a sink
    /// that hangs without an error is still reported degraded (PCI DSS 10.7.2).
    private let deliveryTimeout: Duration
    private let logger: Logger

    public init(
        sink: any AuditSink, journal: any AuditJournal, store: JournalStore, node: String = "", clock: any WallClock,
        limits: SinkBatchLimits = SinkBatchLimits(maxEvents: 500, maxBytes: 1 << 20, maxDelay: .zero),
        degradedAfter: Duration = .seconds(60), pollInterval: Duration = .seconds(1), monitor: SinkMonitor? = nil,
        backoff: RetryBackoff = RetryBackoff(), deliveryTimeout: Duration = .seconds(300), logger: Logger
    ) {
        self.deliveryTimeout = deliveryTimeout
        self.backoff = backoff
        self.sink = sink
        self.journal = journal
        self.store = store
        self.node = node
        self.clock = clock
        self.limits = limits
        self.degradedAfter = degradedAfter
        self.pollInterval = pollInterval
        self.monitor = monitor
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
        var machine = ShipperStateMachine(cursor: try await startingCursor(), degradedAfter: degradedAfter, backoff: backoff)
        var lastError: String?
        monitor?.update(sink: sink.name, health: machine.health, cursor: machine.cursor, lastError: nil)
        logger.info("Shipper started", metadata: ["sink": "\(sink.name)", "cursor": "\(machine.cursor)"])
        var prefetched: [JournalEntry] = []
        // A cursor the sink accepted but the journal file could not record yet (locked, disk full).
        var unsavedCursor: Int64?
        deliveries: while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let sequence = unsavedCursor, await saveCursor(sequence) { unsavedCursor = nil }
            // A backlog is read ahead while the previous batch is in flight; it is used only if it follows on.
            let entries: [JournalEntry]
            do {
                entries = prefetched.first?.sequence == machine.cursor + 1
                    ? prefetched : try await nextBatch(after: machine.cursor, lingering: !machine.isRetrying)
            } catch is CancellationError where Task.isCancelled {
                break deliveries  // stopping: not a problem with the journal
            } catch {
                // The journal cannot be read right now. The gateway fails closed on its own; the shipper
                // must not take the process down with it: wait and try again.
                logger.warning(
                    "Shipper cannot read the journal; retrying. Check the disk and the journal file.",
                    metadata: ["sink": "\(sink.name)", "error": "\(error)"])
                await waitUntil(newEntriesAfter: nil, orAfter: pollInterval)
                continue
            }
            prefetched = []
            guard !entries.isEmpty else { continue }
            await reportLag(cursor: machine.cursor, oldest: entries[0])
            let now = clock.now()
            let before = machine.cursor
            let isFull = entries.count == limits.maxEvents
            async let readAhead = isFull ? journal.entries(after: entries.last!.sequence, limit: limits.maxEvents) : []
            let result = await deliver(SinkBatch(entries: entries, isRetry: machine.isRetrying, now: now))
            prefetched = (try? await readAhead) ?? []
            let actions = machine.handle(
                result, batch: entries.map { ($0.sequence, $0.event.id.rawValue) }, now: now, jitter: Double.random(in: 0...1))
            for action in actions {
                switch action {
                case .commitCursor(let sequence):
                    unsavedCursor = await saveCursor(sequence) ? nil : sequence
                    let quarantined = actions.contains { if case .quarantine = $0 { true } else { false } } ? 1 : 0
                    monitor?.countDelivered(
                        sink: sink.name, entries.filter { $0.sequence > before && $0.sequence <= sequence }.count - quarantined)
                case .quarantine(let sequence, let eventId, let reason):
                    monitor?.countQuarantined(sink: sink.name)
                    logger.error(
                        "Sink refused an event for its content; it is skipped there and recorded as audit.sink_rejected. The journal still holds it.",
                        metadata: ["sink": "\(sink.name)", "seq": "\(sequence)", "event.id": "\(eventId)", "reason": "\(reason)"])
                    let refused = entries.first { $0.sequence == sequence }
                    // A refused sink_rejected event about this very sink is not recorded again: no loop.
                    if refused?.event.action != .sinkRejected || refused?.event.detail["sink"] != sink.name {
                        await record(.sinkRejected, outcome: .failed, detail: [
                            "sink": sink.name, "sequence": String(sequence), "eventId": eventId, "reason": String(reason.prefix(500)),
                        ])
                    }
                case .raiseDegraded(let reason):
                    logger.error(
                        "Sink degraded: its copy of the audit trail is falling behind. Events stay in the journal and are delivered when it recovers; check the sink.",
                        metadata: ["sink": "\(sink.name)", "reason": "\(reason)"])
                    await record(.sinkDegraded, outcome: .failed, detail: [
                        "sink": sink.name, "reason": String(reason.prefix(500)),
                        "failingSince": machine.failingSince?.description ?? now.description,
                    ])
                case .raiseRecovered(let since):
                    logger.notice("Sink recovered; delivering its backlog", metadata: ["sink": "\(sink.name)"])
                    await record(.sinkRecovered, outcome: .ok, detail: [
                        "sink": sink.name, "failingSince": since.description,
                        "downSeconds": String((now.microseconds - since.microseconds) / 1_000_000),
                    ])
                case .backOff(let delay):
                    monitor?.countRetry(sink: sink.name)
                    if case .retry(let reason) = result { lastError = reason }
                    logger.warning(
                        "Sink did not accept a batch; events stay in the journal and will be re-sent. Check the sink's health.",
                        metadata: ["sink": "\(sink.name)", "error": "\(lastError ?? "partial delivery")", "retry.in": "\(delay)"])
                    monitor?.update(sink: sink.name, health: machine.health, cursor: machine.cursor, lastError: lastError)
                    await waitUntil(newEntriesAfter: nil, orAfter: delay)
                case .stop(let reason):
                    lastError = reason
                    monitor?.update(sink: sink.name, health: machine.health, cursor: machine.cursor, lastError: reason)
                    logger.critical(
                        "Sink refuses the gateway (credentials or configuration); delivery to it is stopped until restart. Its backlog stays in the journal. Fix the sink's settings, check with `readaudit sinks test`, then restart.",
                        metadata: ["sink": "\(sink.name)", "reason": "\(reason)"])
                    try? await gracefulShutdown()
                    break deliveries
                }
            }
            if machine.health == .healthy { lastError = nil }
            monitor?.update(sink: sink.name, health: machine.health, cursor: machine.cursor, lastError: lastError)
        }
        // Graceful shutdown: one last pass, so what was appended up to the stop (the gateway.stop event)
        // reaches the sink now rather than at the next start. No retries: the journal still holds it.
        if let sequence = unsavedCursor { _ = await saveCursor(sequence) }
        if !Task.isCancelled, machine.health == .healthy, let rest = try? await journal.entries(after: machine.cursor, limit: limits.maxEvents) {
            if !rest.isEmpty {
                // Commit whatever the sink took, so the next start does not send it again.
                switch await sink.deliver(SinkBatch(entries: rest, now: clock.now())) {
                case .delivered:
                    _ = await saveCursor(rest.last!.sequence)
                case .partial(let accepted, nil) where accepted > 0:
                    _ = await saveCursor(rest[min(accepted, rest.count) - 1].sequence)
                default:
                    break
                }
            }
        }
        logger.info("Shipper stopped", metadata: ["sink": "\(sink.name)"])
    }

    /// The sink's answer, or `.retry` when it has not answered within `deliveryTimeout` (the delivery is
    /// cancelled; re-sending it may duplicate events, always under their own ids).
    private func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        await withTaskGroup(of: DeliveryResult?.self) { group in
            group.addTask { await self.sink.deliver(batch) }
            group.addTask {
                try? await Task.sleep(for: self.deliveryTimeout)
                return Task.isCancelled ? nil : .retry(reason: "no answer from the sink within \(self.deliveryTimeout)")
            }
            var answer: DeliveryResult = .retry(reason: "delivery interrupted")
            for await result in group {
                if let result {
                    answer = result
                    break
                }
            }
            group.cancelAll()
            return answer
        }
    }

    /// Records the cursor durably; on failure logs and returns false (the caller tries again later; a crash
    /// before then re-sends at most what was delivered since the last saved cursor).
    private func saveCursor(_ sequence: Int64) async -> Bool {
        do {
            try await store.saveCursor(sink: sink.name, sequence: sequence, at: clock.now())
            return true
        } catch {
            logger.warning(
                "Shipper cannot record the sink's cursor in the journal file; will retry. Check the disk.",
                metadata: ["sink": "\(sink.name)", "seq": "\(sequence)", "error": "\(error)"])
            return false
        }
    }

    /// The next entries to send: up to `maxEvents`; a partly full batch waits for more until its oldest
    /// entry is `maxDelay` old. Returns empty after waiting when there is nothing.
    private func nextBatch(after cursor: Int64, lingering: Bool) async throws -> [JournalEntry] {
        var entries = try await journal.entries(after: cursor, limit: limits.maxEvents)
        guard let first = entries.first else {
            await waitUntil(newEntriesAfter: cursor, orAfter: pollInterval)
            return []
        }
        guard lingering, limits.maxDelay > .zero, entries.count < limits.maxEvents else { return entries }
        let age = Duration.microseconds(max(0, clock.now().microseconds - first.event.time.microseconds))
        let deadline = ContinuousClock.now + (limits.maxDelay - age)
        while entries.count < limits.maxEvents, ContinuousClock.now < deadline, !Task.isShuttingDownGracefully {
            let last = entries.last!.sequence
            let missing = limits.maxEvents - entries.count
            // Sequences are dense, so the batch is full once the head passes `last + missing - 1`: wait for
            // that (or the deadline) rather than waking at every commit, which at 1,000 reads/s cost a task
            // group and a journal read per read, per sink.
            await waitUntil(newEntriesAfter: last + Int64(missing) - 1, orAfter: deadline - ContinuousClock.now)
            // Only what is new: re-reading the whole batch made lingering quadratic.
            entries += try await journal.entries(after: last, limit: missing)
        }
        return entries
    }

    private func reportLag(cursor: Int64, oldest: JournalEntry) async {
        guard let monitor, let head = try? await store.headSequence() else { return }
        let seconds = Double(max(0, clock.now().microseconds - oldest.event.time.microseconds)) / 1_000_000
        monitor.recordLag(sink: sink.name, events: head - cursor, seconds: seconds)
    }

    /// Appends a sink event to the journal, from where it reaches every other sink.
    private func record(_ action: AuditAction, outcome: AuditOutcome, detail: [String: String]) async {
        let time = clock.now()
        do {
            _ = try await journal.append(AuditEventDraft(
                id: .make(at: time), time: time, node: node, action: action, outcome: outcome, detail: detail))
        } catch {
            logger.error("Could not record a sink event in the journal", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }

    /// Returns when an entry after `sequence` exists (if given), `timeout` passes, or shutdown begins.
    private func waitUntil(newEntriesAfter sequence: Int64?, orAfter timeout: Duration) async {
        guard timeout > .zero else { return }
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
