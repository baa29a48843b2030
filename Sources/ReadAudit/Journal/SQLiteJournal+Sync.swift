import Foundation
import Synchronization

/// The background fsync of `durability: os`.
///
/// Commits run at `synchronous=NORMAL`: a commit is in the kernel's page cache when the appender resumes,
/// which a crash or SIGKILL of the process cannot lose. This thread fsyncs the WAL every `syncInterval`
/// when something was committed since the last fsync, so a power cut loses at most that interval's events.
/// It is a thread, not a task, for the same reason as the writer: fsync blocks.
extension SQLiteJournal {
    struct SyncState {
        /// Every entry up to this sequence has been fsync'd by the background thread.
        var durableHead: Int64 = 0
        var syncs = 0
        var failures = 0
    }

    /// In `durability: os`, the sequence up to which the journal is on the disk; in `fsync`, the committed head.
    public var durableSequence: Int64 {
        if case .fsync = store.durability { return committedHead }
        return syncState.withLock { $0.durableHead }
    }

    /// How many background fsyncs of the WAL have run (`durability: os`; 0 in `fsync`).
    public var backgroundSyncCount: Int { syncState.withLock { $0.syncs } }

    func startSyncing() {
        guard case .os(let interval) = store.durability else { return }
        let thread = Thread { [self] in
            nameCurrentThread("journal-sync")
            syncLoop(interval: interval)
        }
        thread.start()
    }

    /// Called by the writer thread once it has drained the queue: a last fsync, then the sync thread stops.
    func stopSyncing() {
        guard case .os = store.durability else { return }
        syncWake.lock()
        syncStopped = true
        syncWake.broadcast()
        syncWake.unlock()
        syncNow()
    }

    private func syncLoop(interval: Duration) {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        while true {
            syncWake.lock()
            if !syncStopped { _ = syncWake.wait(until: Date(timeIntervalSinceNow: seconds)) }
            let stop = syncStopped
            syncWake.unlock()
            if stop { return }
            syncNow()
        }
    }

    /// Fsyncs the WAL if anything was committed since the last fsync. The head is read before the fsync:
    /// everything committed by then is in the page cache, so the fsync covers it.
    private func syncNow() {
        let head = committedHead
        guard head > syncState.withLock({ $0.durableHead }) else { return }
        do {
            try store.syncWAL()
            syncState.withLock { state in
                state.durableHead = max(state.durableHead, head)
                state.syncs += 1
            }
        } catch {
            let failures = syncState.withLock { state in
                state.failures += 1
                return state.failures
            }
            if failures == 1 || failures % 1000 == 0 {
                logger.error(
                    "The background fsync of the journal failed (durability: os); events are in the kernel but not yet on the disk. Check the disk.",
                    metadata: ["journal.path": "\(store.path)", "error": "\(error)", "failures": "\(failures)"])
            }
        }
    }
}

/// Names the calling thread as `top`, `perf` and `/proc/<pid>/task/*/comm` show it (at most 15 bytes on Linux).
/// Foundation's `Thread.name` does not reach the kernel on Linux, and a new thread otherwise inherits the
/// name of the pool thread that started it.
func nameCurrentThread(_ name: String) {
    #if os(Linux)
    // pthread_setname_np is not in Swift's Glibc module; the kernel takes the same name here.
    guard let file = fopen("/proc/thread-self/comm", "w") else { return }
    fputs(String(name.utf8.prefix(15))!, file)
    fclose(file)
    #endif
}
