import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport

/// Events/s into PostgreSQL from two nodes: two local journals of `--events` entries each (default 300,000,
/// spread over the last 40 days, so two month partitions), shipped concurrently by the product's own
/// `Shipper` + `PostgresSink` on two separate pools, into a fresh durable PostgreSQL (fsync on, default
/// settings). Timed from the start until both cursors reach their heads.
///
/// Baseline, same run, same server: PostgreSQL copying the same rows table-to-table inside itself
/// (`INSERT … SELECT`, same indexes, no network, no parsing, no conflict check) — the server's own ceiling.
func runIngest(_ arguments: [String]) async throws {
    var eventsOption = 300_000
    var batchOption = 2_000
    var index = 0
    while index < arguments.count {
        switch arguments[index] {
        case "--events": eventsOption = Int(arguments[index + 1])!
        case "--batch": batchOption = Int(arguments[index + 1])!
        default: fatalError("unknown option \(arguments[index]); options: --events N (per node), --batch N")
        }
        index += 2
    }
    let (perNode, batch) = (eventsOption, batchOption)
    let logger = {
        var logger = Logger(label: "ingest")
        logger.logLevel = .warning
        return logger
    }()
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let nodes = ["node-a", "node-b"]
    print("ClusterBenchmark ingest: \(perNode) events per node, 2 nodes, batches of \(batch); \(ProcessInfo.processInfo.activeProcessorCount) cores")

    // Two journals, built once per run (not timed).
    var built: [JournalStore] = []
    let now = SystemWallClock().now().microseconds
    let span: Int64 = 40 * 86_400 * 1_000_000
    for (number, node) in nodes.enumerated() {
        let store = try JournalStore(path: directory.file("\(node).sqlite"))
        var written = 0
        while written < perNode {
            let count = min(10_000, perNode - written)
            let drafts = (0..<count).map { offset -> AuditEventDraft in
                let sequence = written + offset
                let at = AuditTime(microseconds: now - span + span / Int64(perNode) * Int64(sequence) + Int64(number))
                let agent = String(format: "6f1c2a9e-3b4d-4c5e-8f70-%012x", sequence % 2_000)
                return AuditEventDraft(
                    id: .make(at: at), time: at, node: node, action: .customerRead, outcome: .served, credential: "genesys-prod",
                    agent: agent, interaction: String(format: "0b7e5a1c-2d3f-4a5b-9c6d-%012x", sequence / 4),
                    customer: "C-\(sequence * 7919 % 500_000)", fields: ["firstName", "lastName", "ssn", "accountBalance", "address_city"],
                    masked: ["ssn"], source: "10.20.0.\(sequence % 250)",
                    genesys: ["inin-correlation-id": String(format: "4f6e0d2c-1b3a-4c5d-8e9f-%012x", sequence), "inin-user-id": agent])
            }
            _ = try store.commit(drafts)
            written += count
        }
        built.append(store)
    }
    let stores = built

    try await RealPostgres.withRunning(durable: true) { server in
        var serverCPU = 0.0
        let databases = try nodes.map { _ in try ClusterDatabase(settings: server.settings, logger: logger) }
        let (elapsed, cpu) = try await withThrowingTaskGroup(of: Void.self) { group -> (Duration, Double) in
            for database in databases { group.addTask { try await database.run() } }
            for database in databases { try await database.waitUntilMigrated() }
            print("journals built; shipping (a profiler may attach now: pid \(getpid()))")
            fflush(nil)
            let began = ContinuousClock.now
            let cpuBefore = processCPUSeconds()
            let serverBefore = try server.cpuSeconds()
            try await withThrowingTaskGroup(of: Void.self) { shipping in
                for (number, node) in nodes.enumerated() {
                    let store = stores[number]
                    let database = databases[number]
                    shipping.addTask {
                        try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
                            let shipper = Shipper(
                                sink: PostgresSink(database: database, chain: node, logger: logger), journal: journal, store: store,
                                node: node, clock: SystemWallClock(),
                                limits: SinkBatchLimits(maxEvents: batch, maxBytes: 64 << 20, maxDelay: .milliseconds(50)), logger: logger)
                            let head = try await store.headSequence()
                            try await withThrowingTaskGroup(of: Void.self) { running in
                                running.addTask { try await shipper.run() }
                                while try await store.cursor(sink: "postgres") ?? 0 < head {
                                    try await Task.sleep(for: .milliseconds(5))
                                }
                                running.cancelAll()
                            }
                        }
                    }
                }
                try await shipping.waitForAll()
            }
            let elapsed = ContinuousClock.now - began
            let cpu = processCPUSeconds() - cpuBefore
            serverCPU = try server.cpuSeconds() - serverBefore
            group.cancelAll()
            return (elapsed, cpu)
        }
        let total = perNode * nodes.count
        let stored = try await server.count("SELECT count(*) FROM readaudit.events")
        precondition(stored == total, "PostgreSQL holds \(stored) rows, expected \(total)")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(total) / seconds

        // Baseline: the server copies the same rows into a table with the same indexes, inside itself.
        let baseline = try await timedCopy(server, into: "baseline", creating: "CREATE TABLE public.baseline (LIKE readaudit.events INCLUDING DEFAULTS INCLUDING INDEXES)")
        let baselineRate = Double(total) / baseline.seconds
        let baselineServerCPU = baseline.serverCPU
        // The same copy into a table with the primary key alone: what the six other indexes cost the server.
        let keyOnly = try await timedCopy(server, into: "keyonly", creating: "CREATE TABLE public.keyonly (LIKE readaudit.events INCLUDING DEFAULTS); ALTER TABLE public.keyonly ADD PRIMARY KEY (id, time_us)")
        let keyOnlySeconds = keyOnly.seconds
        let keyOnlyServerCPU = keyOnly.serverCPU
        let partitions = try await server.count(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'readaudit.events'::regclass")

        print(String(format: "shipped %d events from 2 nodes in %.2f s: %.0f events/s (goal ≥ 50,000)", total, seconds, rate))
        print(String(format: "gateway-side CPU: %.2f µs per event (both shippers, this process)", cpu / Double(total) * 1e6))
        print(String(format: "PostgreSQL CPU: %.2f µs per event (every server process)", serverCPU / Double(total) * 1e6))
        print(String(format: "baseline, PostgreSQL copying the same rows inside itself: %.0f events/s; ratio %.2f", baselineRate, rate / baselineRate))
        print(String(format: "baseline PostgreSQL CPU: %.2f µs per row", baselineServerCPU / Double(total) * 1e6))
        print(String(format: "the same copy with the primary key alone: %.0f events/s, %.2f µs PostgreSQL CPU per row", Double(total) / keyOnlySeconds, keyOnlyServerCPU / Double(total) * 1e6))
        print("month partitions created: \(partitions); rows stored: \(stored) (each exactly once)")
    }
}

/// Creates `table` with `creating`, then times the server copying every shipped row into it (`INSERT … SELECT`):
/// wall seconds and the server's CPU seconds for the copy alone.
private func timedCopy(_ server: RealPostgres, into table: String, creating: String) async throws -> (seconds: Double, serverCPU: Double) {
    _ = try await server.psql(creating)
    let began = ContinuousClock.now
    let serverBefore = try server.cpuSeconds()
    _ = try await server.psql("INSERT INTO public.\(table) SELECT * FROM readaudit.events")
    let elapsed = ContinuousClock.now - began
    let serverCPU = try server.cpuSeconds() - serverBefore
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, serverCPU)
}

private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
