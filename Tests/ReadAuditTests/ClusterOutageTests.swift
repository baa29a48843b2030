import Foundation
import ReadAudit
import ReadAuditTestSupport
import Synchronization
import Testing

/// Issue 8, acceptance 3: PostgreSQL stopped for 30 s under load. Two real gateway processes keep serving
/// reads on their local journals, and once PostgreSQL is back every event of both reaches it exactly once.
@Suite(.serialized) struct ClusterOutageTests {
    enum Phase: Sendable { case before, outage, after, done }

    @Test func readsGoOnThroughAThirtySecondOutageAndEveryEventArrivesOnce() async throws {
        try await RealPostgres.withRunning { server in
          try await StubCRM(records: StubCRM.numberedRecords(50)).run { crm in
            let nodes = [
                try await ClusterNode(name: "node-a", server: server, crmURL: crm.urlTemplate),
                try await ClusterNode(name: "node-b", server: server, crmURL: crm.urlTemplate),
            ]
            let phase = LockedBox(Phase.before)
            let served = LockedBox([Phase: Int]())
            let failed = LockedBox([Phase: Int]())
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Eight clients read through both nodes, alternating, for the whole scenario.
                for worker in 0..<8 {
                    group.addTask {
                        var round = 0
                        while true {
                            let current = phase.withLock { $0 }
                            if current == .done { return }
                            round += 1
                            let node = nodes[(worker + round) % 2]
                            let (status, _) = await node.read(customer: "C-\(round % 50)")
                            if status == 200 { served.withLock { $0[current, default: 0] += 1 } } else { failed.withLock { $0[current, default: 0] += 1 } }
                        }
                    }
                }
                group.addTask {
                    func waitForServed(_ wanted: Int, in wantedPhase: Phase) async throws {
                        let deadline = ContinuousClock.now + .seconds(60)
                        while served.withLock({ $0[wantedPhase, default: 0] }) < wanted {
                            guard ContinuousClock.now < deadline else { throw TestSupportError("too few reads served in \(wantedPhase)") }
                            try await Task.sleep(for: .milliseconds(10))
                        }
                    }
                    try await waitForServed(200, in: .before)
                    try await server.stop()
                    phase.withLock { $0 = .outage }
                    // The outage's length is the scenario (30 s), not a synchronisation.
                    try await Task.sleep(for: .seconds(30))
                    phase.withLock { $0 = .after }
                    try await server.start()
                    try await waitForServed(200, in: .after)
                    phase.withLock { $0 = .done }
                }
                try await group.waitForAll()
            }
            let counts = served.withLock { $0 }
            #expect(failed.withLock { $0 }.isEmpty, "every read was answered 200, outage included: \(failed.withLock { $0 })")
            #expect(counts[.outage, default: 0] > 500, "reads went on during the outage: \(counts)")

            // Once PostgreSQL is back the shippers catch up while the nodes run...
            func localTotal() async throws -> Int {
                var total = 0
                for node in nodes { total += Int(try await node.journal().headSequence()) }
                return total
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while try await server.count("SELECT count(*) FROM readaudit.events") < localTotal(), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await server.count("SELECT count(*) FROM readaudit.events") >= localTotal(), "caught up within 30 s of PostgreSQL's return")
            // ...and a graceful stop drains each node's shipper (the stop event and final checkpoint too).
            for node in nodes { node.stop() }
            for node in nodes where try await server.count("SELECT count(*) FROM readaudit.events WHERE chain = '\(node.name)'") < node.journal().headSequence() {
                print("--- \(node.name)'s log ---\n\(node.gateway.output.suffix(4000))")
            }
            var local: [String: Set<String>] = [:]
            var total = 0
            for node in nodes {
                let entries = try await node.journal().entries(after: 0, limit: 10_000_000)
                local[node.name] = Set(entries.map(\.event.id.rawValue))
                total += entries.count
            }
            #expect(total > counts.values.reduce(0, +), "every read is an event, and so are starts, stops and checkpoints")
            #expect(try await server.count("SELECT count(*) FROM readaudit.events") == total)
            #expect(try await server.count("SELECT count(DISTINCT id) FROM readaudit.events") == total)
            for node in nodes {
                let shipped = Set(try await server.psql("SELECT id FROM readaudit.events WHERE chain = '\(node.name)'"))
                let difference = shipped.symmetricDifference(local[node.name] ?? [])
                #expect(difference.isEmpty, "\(node.name)'s journal and its PostgreSQL copy differ by \(difference.count) events")
            }
          }
        }
    }
}
