import Logging
import ServiceLifecycle

/// Tails the journal from its own persisted cursor (`detector`), runs the rules, records each finding as an
/// `alert.<rule>` event and hands it to the responders. Decisions are `DetectionEngine`'s and
/// `ResponsePlanner`'s; this shell reads, appends, acts and waits.
///
/// Restart: the rules' window state is rebuilt by replaying up to `lookbackEvents` entries before the cursor
/// (findings discarded: that run already had them), and every alert and response the journal holds from
/// there to its head marks its incident as done, so nothing is alerted or acted on twice, even when the
/// previous run stopped between appending an alert and saving its cursor.
public final class Detector: Service {
    /// The cursor's name in the journal's cursor table.
    public static let cursorName = "detector"
    /// The longest the saved cursor lags the detector's position while it runs (it is saved on stop too).
    static let cursorSaveInterval: Duration = .milliseconds(500)
    /// How long the detector lets commits gather after it is woken, so that at a few thousand reads a second it
    /// reads and runs the rules once per ~20 ms rather than once per commit (a task group, a journal read and
    /// a thread hand-off each time). Alerts come that much later; the goal is within a second.
    static let gatherDelay: Duration = .milliseconds(20)

    private let journal: any AuditJournal
    private let store: JournalStore
    private let configuration: DetectionConfiguration
    private let responses: ResponseConfiguration
    private let raiser: AlertRaiser
    private let node: String
    private let clock: any WallClock
    private let batchSize: Int
    private let pollInterval: Duration
    private let logger: Logger

    public init(
        journal: any AuditJournal, store: JournalStore, configuration: DetectionConfiguration,
        responses: ResponseConfiguration = ResponseConfiguration(), responders: [any Responder] = [], node: String = "",
        clock: any WallClock, batchSize: Int = 1000, pollInterval: Duration = .seconds(1), logger: Logger
    ) {
        self.journal = journal
        self.store = store
        self.configuration = configuration
        self.responses = responses
        self.raiser = AlertRaiser(journal: journal, responders: responders, node: node, clock: clock, logger: logger)
        self.node = node
        self.clock = clock
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        var engine = DetectionEngine(configuration)
        var planner = ResponsePlanner(responses)
        var cursor = try await store.cursor(sink: Self.cursorName) ?? 0
        try await warmUp(engine: &engine, planner: &planner, cursor: cursor)
        logger.info("Detector started", metadata: ["cursor": "\(cursor)"])
        var saved = cursor
        var savedAt = ContinuousClock.now
        var readAhead: [JournalEntry] = []
        // A journal that cannot be read or written for a while (locked, disk full) pauses detection; it
        // never stops the gateway. Entries are observed once: the in-memory cursor moves even when saving fails.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // The cursor is saved at most once per cursorSaveInterval: saving it after every batch was a
                // second durable commit (and fsync) per read, queued on the journal's one writer connection
                // ahead of the next read's commit. A crash replays at most that interval, which the
                // warm-up already makes idempotent (incidents alerted after the cursor are marked).
                if saved != cursor, ContinuousClock.now - savedAt >= Self.cursorSaveInterval {
                    try await store.saveCursor(sink: Self.cursorName, sequence: cursor, at: clock.now())
                    saved = cursor
                    savedAt = ContinuousClock.now
                }
                let entries = readAhead.first?.sequence == cursor + 1
                    ? readAhead : try await journal.entries(after: cursor, limit: batchSize)
                readAhead = []
                guard let last = entries.last else {
                    await waitUntil(newEntriesAfter: cursor)
                    if !Task.isShuttingDownGracefully { try? await Task.sleep(for: Self.gatherDelay) }
                    continue
                }
                // A backlog's next batch is read while the rules run over this one.
                async let next = entries.count == batchSize ? journal.entries(after: last.sequence, limit: batchSize) : []
                for entry in entries {
                    for finding in engine.observe(entry) {
                        await raise(finding, planner: &planner)
                    }
                }
                cursor = last.sequence
                readAhead = (try? await next) ?? []
            } catch {
                logger.warning(
                    "Detector cannot read the journal or save its cursor; retrying", metadata: ["cursor": "\(cursor)", "error": "\(error)"])
                await waitUntil(newEntriesAfter: nil)
            }
        }
        if saved != cursor { try? await store.saveCursor(sink: Self.cursorName, sequence: cursor, at: clock.now()) }
        logger.info("Detector stopped", metadata: ["cursor": "\(cursor)"])
    }

    /// Rebuilds window state from the look-back before `cursor`, and marks every incident already alerted or
    /// responded to from there to the head.
    func warmUp(engine: inout DetectionEngine, planner: inout ResponsePlanner, cursor: Int64) async throws {
        var position = max(0, cursor - Int64(configuration.lookbackEvents))
        while true {
            let entries = try await journal.entries(after: position, limit: 10_000)
            guard let last = entries.last else { return }
            for entry in entries {
                let event = entry.event
                if DetectionEngine.isOwn(event), let incident = event.detail["incident"] {
                    if event.action.rawValue.hasPrefix("alert.") { engine.remember(incident, at: event.time.microseconds) }
                    if let kind = event.detail["kind"] { planner.markDone(kind: kind, incident: incident) }
                } else if entry.sequence <= cursor {
                    _ = engine.observe(entry)
                }
            }
            position = last.sequence
        }
    }

    /// Appends the alert, then runs and audits the responses its rule is configured for.
    private func raise(_ finding: Finding, planner: inout ResponsePlanner) async {
        let now = clock.now()
        guard let alert = await raiser.record(finding.alertDraft(id: .make(at: now), time: now, node: node), finding: finding) else { return }
        await raiser.respond(to: alert, finding: finding, planner: &planner)
    }

    /// Returns when an entry after `sequence` exists, the poll interval passes, or shutdown begins.
    private func waitUntil(newEntriesAfter sequence: Int64?) async {
        await withTaskGroup(of: Void.self) { group in
            if let sequence { group.addTask { await self.journal.waitForEntries(after: sequence) } }
            group.addTask { try? await Task.sleep(for: self.pollInterval) }
            group.addTask { try? await gracefulShutdown() }
            await group.next()
            group.cancelAll()
        }
    }
}
