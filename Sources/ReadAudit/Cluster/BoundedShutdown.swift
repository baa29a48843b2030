import ServiceLifecycle
import Synchronization

/// Runs `body` until graceful shutdown (or cancellation), then cancels it and waits at most `grace` for it
/// to end. For the services that talk to PostgreSQL: a connection lease the pool never answers (PostgreSQL
/// down at shutdown) must not keep a stopping gateway from closing its journal and exiting. What is still
/// running after `grace` is abandoned to the process's exit; its statements are idempotent.
func runUntilShutdown(grace: Duration = .seconds(5), _ body: @escaping @Sendable () async -> Void) async {
    let finished = Latch()
    let work = Task {
        await body()
        finished.open()
    }
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await finished.wait(timeout: .seconds(365 * 86_400)) }
        group.addTask { try? await gracefulShutdown() }
        await group.next()
        group.cancelAll()
    }
    work.cancel()
    await finished.wait(timeout: grace)
}

/// A one-way gate: `wait` returns once `open` was called (at once if it already was), when the timeout
/// passes, or when the waiting task is cancelled.
final class Latch: Sendable {
    private struct State {
        var open = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var next = 0
    }
    private let state = Mutex(State())

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait(timeout: Duration) async {
        let id = state.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        let release: @Sendable () -> Void = {
            let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = self.state.withLock { state -> Bool in
                            if state.open || Task.isCancelled { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: { release() }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
