import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The embedded journal: one writer that folds every concurrent append into one transaction and one fsync.
///
/// `append` parks the caller until the batch holding its event has committed; no caller resumes before
/// its event is durable. The writer is a dedicated thread (a commit blocks on fsync, which must not
/// hold a cooperative-pool thread), started by `run`. On graceful shutdown it drains what is queued, then stops.
public final class SQLiteJournal: AuditJournal, Service, @unchecked Sendable {
    /// The file and its queries; shared with shippers, `verify` and reports.
    public let store: JournalStore
    private let maxBatch: Int
    private let metrics: JournalMetrics?
    let logger: Logger
    /// When set, a step of the wall clock seen before a commit is sealed as a `clock.jump` event ahead of the batch.
    private let clockWatch: ClockJumpDetector?

    // Appends and the writer thread meet here. `condition` guards `pending` and `closed`.
    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var closed = false

    // Readers waiting for new entries (shippers).
    private let watchState = Mutex(WatchState())

    // `durability: os`: the background fsync's progress, and the condition that wakes or stops it.
    let syncState = Mutex(SyncState())
    let syncWake = NSCondition()
    var syncStopped = false

    /// When the last commit failed, cleared by the next one that succeeds.
    private let lastFailure = Mutex<ContinuousClock.Instant?>(nil)

    /// True when an event commit failed within `window` and none has succeeded since. `/readyz` uses it:
    /// on a nearly full disk its one-row probe can still fit where a batch of events no longer does.
    public func commitFailedRecently(within window: Duration = .seconds(5)) -> Bool {
        lastFailure.withLock { failure in failure.map { ContinuousClock.now - $0 < window } ?? false }
    }

    private struct Pending {
        var event: AuditEventDraft
        var continuation: CheckedContinuation<JournalEntry, any Error>
    }

    private struct Watcher {
        var after: Int64
        var id: UInt64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct WatchState {
        var head: Int64 = 0
        var closed = false
        var watchers: [Watcher] = []
        var nextWatcherID: UInt64 = 0
        var cancelledWatchers: Set<UInt64> = []
    }

    public init(
        store: JournalStore, maxBatch: Int = 1024, metrics: JournalMetrics? = nil, logger: Logger, clockWatch: ClockJumpDetector? = nil
    ) async throws {
        self.clockWatch = clockWatch
        self.store = store
        self.maxBatch = maxBatch
        self.metrics = metrics
        self.logger = logger
        let head = try await store.headSequence()
        watchState.withLock { $0.head = head }
        // In durability: os, what a previous process left in the WAL may never have been fsync'd: do it now,
        // so the durable head starts at the head (appends committed before the sync thread starts count from it).
        if case .os = store.durability { try store.syncWAL() }
        syncState.withLock { $0.durableHead = head }
    }

    public func append(_ event: AuditEventDraft) async throws -> JournalEntry {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if closed {
                condition.unlock()
                continuation.resume(throwing: JournalError(.closed, detail: "the journal has shut down"))
                return
            }
            pending.append(Pending(event: event, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Appends waiting for the writer (for tests and diagnostics).
    public var pendingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    public func entries(after sequence: Int64, limit: Int) async throws -> [JournalEntry] {
        try await store.entries(after: sequence, limit: limit)
    }

    public func waitForEntries(after sequence: Int64) async {
        let id = watchState.withLock { state in
            state.nextWatcherID += 1
            return state.nextWatcherID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = watchState.withLock { state in
                    if state.head > sequence || state.closed || state.cancelledWatchers.remove(id) != nil { return true }
                    state.watchers.append(Watcher(after: sequence, id: id, continuation: continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let watcher = watchState.withLock { state -> Watcher? in
                if let index = state.watchers.firstIndex(where: { $0.id == id }) {
                    return state.watchers.remove(at: index)
                }
                state.cancelledWatchers.insert(id)
                return nil
            }
            watcher?.continuation.resume()
        }
        watchState.withLock { _ = $0.cancelledWatchers.remove(id) }
    }

    /// Runs the writer thread until graceful shutdown or cancellation, then lets it drain the queue.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    let thread = Thread { [self] in
                        nameCurrentThread("journal-writer")
                        writeLoop()
                        stopSyncing()
                        finished.resume()
                    }
                    thread.start()
                    startSyncing()
                }
            } onCancel: {
                self.close()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Stops accepting appends; the writer commits what is already queued, then `run` returns.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        let watchers = watchState.withLock { state in
            state.closed = true
            defer { state.watchers = [] }
            return state.watchers
        }
        for watcher in watchers { watcher.continuation.resume() }
    }

    /// Blocks until appends are queued; returns an empty batch once closed and drained.
    private func nextBatch() -> [Pending] {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !closed { condition.wait() }
        if pending.count <= maxBatch {
            defer { pending = [] }
            return pending
        }
        let batch = Array(pending.prefix(maxBatch))
        pending.removeFirst(maxBatch)
        return batch
    }

    private func writeLoop() {
        while true {
            let batch = nextBatch()
            if batch.isEmpty { return }
            let started = ContinuousClock.now
            let jump = clockWatch?.check()
            let jumpEvents = jump.map { [clockWatch!.draft(for: $0)] } ?? []
            do {
                let entries = try store.commit(jumpEvents + batch.map(\.event))
                metrics?.recordCommit(duration: ContinuousClock.now - started, batchSize: batch.count)
                if let jump {
                    clockWatch?.acknowledge(jump)
                    logger.warning(
                        "The system clock was stepped; recorded as a clock.jump event. Check the time source (NTP).",
                        metadata: ["clock.deltaMs": "\(jump.delta / .milliseconds(1))", "event.seq": "\(entries[0].sequence)"])
                }
                lastFailure.withLock { $0 = nil }
                for (pending, entry) in zip(batch, entries.dropFirst(jumpEvents.count)) { pending.continuation.resume(returning: entry) }
                publish(head: entries.last?.sequence ?? 0)
            } catch {
                metrics?.recordFailedCommit()
                lastFailure.withLock { $0 = .now }
                logger.error(
                    "Journal commit failed; reads are refused with 503 until it can commit again. Check the disk and the journal file's permissions.",
                    metadata: ["journal.path": "\(store.path)", "journal.batch": "\(batch.count)", "error": "\(error)"])
                let failure = JournalError(.commitFailed, detail: "\(error)")
                for pending in batch { pending.continuation.resume(throwing: failure) }
            }
        }
    }

    /// The highest committed sequence (what shippers may read).
    var committedHead: Int64 { watchState.withLock { $0.head } }

    private func publish(head: Int64) {
        let ready = watchState.withLock { state -> [Watcher] in
            state.head = max(state.head, head)
            let ready = state.watchers.filter { $0.after < state.head }
            state.watchers.removeAll { $0.after < state.head }
            return ready
        }
        for watcher in ready { watcher.continuation.resume() }
    }
}

extension SQLiteJournal {
    /// Runs `body` with a started writer and shuts it down afterwards (CLI commands, tests, benchmarks).
    public static func withRunning<T: Sendable>(
        store: JournalStore, logger: Logger, _ body: (SQLiteJournal) async throws -> T
    ) async throws -> T {
        let journal = try await SQLiteJournal(store: store, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await journal.run() }
            do {
                let result = try await body(journal)
                journal.close()
                try await group.waitForAll()
                return result
            } catch {
                journal.close()
                try await group.waitForAll()
                throw error
            }
        }
    }
}
