import Foundation
import Logging
import PostgresNIO
import ReadAudit
import ReadAuditTestSupport
import Synchronization

/// Cross-node block propagation: node A blocks an agent (its `ClusterDenyList`, as the admin API, the CLI or
/// the detector's responder would), and the time is taken until node B's deny list — the one its reads
/// consult — refuses the agent. Each node is the product's own pieces on its own SQLite journal and its own
/// PostgreSQL pool: `ClusterDenyList` + `ClusterListener` (LISTEN/NOTIFY), against a durable PostgreSQL.
/// `--blocks` blocks (default 300), each of a new agent, one at a time.
///
/// Baseline, same run, same server: a bare NOTIFY from one connection to a LISTEN on another (PostgreSQL's
/// own floor for "a change reaches the other node").
func runPropagation(_ arguments: [String]) async throws {
    var blocks = 300
    if arguments.count == 2, arguments[0] == "--blocks", let value = Int(arguments[1]) { blocks = value } else if !arguments.isEmpty {
        fatalError("options: --blocks N")
    }
    let logger = {
        var logger = Logger(label: "propagation")
        logger.logLevel = .warning
        return logger
    }()
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    print("ClusterBenchmark propagation: \(blocks) blocks from node A to node B; \(ProcessInfo.processInfo.activeProcessorCount) cores")

    try await RealPostgres.withRunning(durable: true) { server in
        let a = try ClusterDatabase(settings: server.settings, logger: logger)
        let b = try ClusterDatabase(settings: server.settings, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await a.run() }
            group.addTask { try await b.run() }
            try await a.waitUntilMigrated()
            try await b.waitUntilMigrated()

            let baseline = try await notifyRoundTrips(from: a, to: b, count: blocks, logger: logger)

            let storeA = try JournalStore(path: directory.file("a.sqlite"))
            let storeB = try JournalStore(path: directory.file("b.sqlite"))
            let samples = try await SQLiteJournal.withRunning(store: storeA, logger: logger) { journalA in
                try await SQLiteJournal.withRunning(store: storeB, logger: logger) { journalB in
                    let clock = SystemWallClock()
                    let nodeA = ClusterDenyList(
                        local: try await SQLiteDenyList(store: storeA, journal: journalA, node: "node-a", clock: clock), database: a,
                        node: "node-a", clock: clock, logger: logger)
                    let nodeB = ClusterDenyList(
                        local: try await SQLiteDenyList(store: storeB, journal: journalB, node: "node-b", clock: clock), database: b,
                        node: "node-b", clock: clock, logger: logger)
                    return try await withThrowingTaskGroup(of: Void.self) { listening -> [Duration] in
                        // Node B listens as a gateway does; its periodic resync is set far out, so only NOTIFY counts.
                        listening.addTask {
                            try await ClusterListener(database: b, denyList: nodeB, wake: b.eventsArrived, resync: .seconds(3600), logger: logger).run()
                        }
                        // The listener is up once a first block has gone through.
                        let warm = BlockedAgent(agentId: agent(0), reason: "warm-up", blockedBy: "benchmark", blockedAt: clock.now())
                        _ = try await nodeA.block(warm)
                        while !nodeB.isBlocked(warm.agentId) { try await Task.sleep(for: .milliseconds(1)) }
                        var samples: [Duration] = []
                        for index in 1...blocks {
                            let id = agent(index)
                            let began = ContinuousClock.now
                            _ = try await nodeA.block(BlockedAgent(agentId: id, reason: "benchmark", blockedBy: "benchmark", blockedAt: clock.now()))
                            while !nodeB.isBlocked(id) { try await Task.sleep(for: .microseconds(100)) }
                            samples.append(ContinuousClock.now - began)
                        }
                        listening.cancelAll()
                        return samples
                    }
                }
            }
            group.cancelAll()
            report("block on node A refused on node B", samples, goal: "p99 < 500 ms")
            report("baseline: bare NOTIFY → LISTEN", baseline, goal: nil)
            let ratio = percentile(samples, 0.99).milliseconds / max(percentile(baseline, 0.99).milliseconds, 0.001)
            print(String(format: "ratio of p99s (propagation / bare NOTIFY): %.1f", ratio))
        }
    }
}

private func agent(_ number: Int) -> String { String(format: "6f1c2a9e-3b4d-4c5e-8f70-%012d", number) }

/// `count` NOTIFYs from one pool's connection, each timed until a LISTEN on the other pool has received it.
private func notifyRoundTrips(from a: ClusterDatabase, to b: ClusterDatabase, count: Int, logger: Logger) async throws -> [Duration] {
    let received = LockedBox(-1)
    return try await withThrowingTaskGroup(of: [Duration].self) { group in
        group.addTask {
            try await b.client.withConnection { connection in
                try await connection.listen(on: "benchmark_baseline") { notifications in
                    received.withLock { $0 = 0 }
                    for try await _ in notifications {
                        if received.withLock({ $0 += 1; return $0 }) == count { break }
                    }
                }
            }
            return []
        }
        while received.withLock({ $0 }) < 0 { try await Task.sleep(for: .milliseconds(1)) }
        group.addTask {
            var samples: [Duration] = []
            try await a.client.withConnection { connection in
                for index in 1...count {
                    let began = ContinuousClock.now
                    try await connection.query("SELECT pg_notify('benchmark_baseline', 'x')", logger: logger)
                    while received.withLock({ $0 }) < index { try await Task.sleep(for: .microseconds(100)) }
                    samples.append(ContinuousClock.now - began)
                }
            }
            return samples
        }
        var samples: [Duration] = []
        for try await result in group where !result.isEmpty { samples = result }
        return samples
    }
}

private func percentile(_ samples: [Duration], _ fraction: Double) -> Duration {
    let sorted = samples.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

private func report(_ title: String, _ samples: [Duration], goal: String?) {
    let figures = String(
        format: "n=%d p50 %.2f ms, p99 %.2f ms, max %.2f ms", samples.count, percentile(samples, 0.5).milliseconds,
        percentile(samples, 0.99).milliseconds, samples.max()!.milliseconds)
    print("\(title): \(figures)\(goal.map { " (goal: \($0))" } ?? "")")
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
