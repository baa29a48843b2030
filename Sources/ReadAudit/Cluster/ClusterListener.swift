import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Keeps one connection to PostgreSQL listening for the cluster's notifications: a deny-list change makes
/// this node re-read the list at once (and it re-reads it every `resync` anyway, and on every reconnect, to
/// catch a notification lost while the connection was down); shipped events wake the cross-node detector.
public struct ClusterListener: Service {
    let database: ClusterDatabase
    let denyList: ClusterDenyList
    let wake: ClusterWake
    let resync: Duration
    let logger: Logger

    public init(database: ClusterDatabase, denyList: ClusterDenyList, wake: ClusterWake, resync: Duration, logger: Logger) {
        self.database = database
        self.denyList = denyList
        self.wake = wake
        self.resync = resync
        self.logger = logger
    }

    public func run() async throws {
        await runUntilShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listen() }
                group.addTask { await self.resyncPeriodically() }
            }
        }
    }

    private func listen() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await database.client.withConnection { connection in
                    try await connection.listen(on: ClusterSchema.denyListChannel) { denyNotifications in
                        try await connection.listen(on: ClusterSchema.eventsChannel) { eventNotifications in
                            delay = .milliseconds(100)
                            // Listening from here on: whatever changed before is picked up by this read.
                            await self.resyncNow()
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                group.addTask {
                                    for try await _ in denyNotifications { await self.resyncNow() }
                                    throw ClusterError.unavailable("the notification connection closed")
                                }
                                group.addTask {
                                    for try await _ in eventNotifications { self.wake.signal() }
                                    throw ClusterError.unavailable("the notification connection closed")
                                }
                                try await group.next()
                            }
                        }
                    }
                }
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning(
                    "Not listening to PostgreSQL notifications; retrying. The deny list is re-read every resync interval meanwhile.",
                    metadata: ["error": "\(PostgresSink.describe(error))", "retryIn": "\(delay)"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    private func resyncPeriodically() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: resync) } catch { return }
            await resyncNow()
        }
    }

    private func resyncNow() async {
        do {
            try await denyList.resync()
        } catch {
            logger.warning(
                "Cannot read the cluster's deny list; this node's last known list stays in force",
                metadata: ["error": "\(PostgresSink.describe(error))"])
            // A block the CLI wrote into this node's file meanwhile still takes effect here at once.
            do { try await denyList.local.reload() } catch {
                logger.warning("Could not re-read this node's deny list either; the copy in memory stays in force", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// A wake-up call for the cross-node detector: `signal` when events arrived, `wait` until one did (or the
/// timeout passes). Signals coalesce; one pending signal makes the next `wait` return at once.
public final class ClusterWake: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after a signal, after `timeout`, or when the task is cancelled. One waiter at a time.
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = self.state.withLock { state -> Bool in
                            if state.pending || Task.isCancelled {
                                state.pending = false
                                return true
                            }
                            state.waiter = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                        defer { state.waiter = nil }
                        return state.waiter
                    }
                    waiter?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
