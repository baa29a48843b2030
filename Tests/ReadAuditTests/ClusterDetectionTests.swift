import Foundation
import GRDB
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Issue 8, acceptance 1, 2 and 4, with a real PostgreSQL and real gateway processes: the velocity rule counts
/// an agent's reads over every node, its block reaches every node at once, a customer's report covers every
/// node, and detection survives the death of the node that leads it, with no alert lost or doubled.
@Suite(.serialized) struct ClusterDetectionTests {
    /// Velocity alone (other rules would also fire on the polling reads), blocking on alert.
    static func detectionYAML(threshold: Int) -> String {
        """
        detection:
          velocity: {threshold: \(threshold), baselineMultiple: 0}
          snooping: {enabled: false}
          afterHours: {enabled: false}
          sharedCustomer: {enabled: false}
          deniedBurst: {enabled: false}
        responders:
          rules: {velocity: [block]}
        """
    }

    static func agent(_ number: Int) -> String { String(format: "6f1c2a9e-3b4d-4c5e-8f70-%012d", number) }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
    static func eventually(within timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    @Test func readsOverBothNodesRaiseOneVelocityAlertAndTheBlockReachesBothNodesWithinASecond() async throws {
        try await RealPostgres.withRunning { server in
          try await StubCRM(records: StubCRM.numberedRecords(400)).run { crm in
            let nodes = [
                try await ClusterNode(name: "node-a", server: server, crmURL: crm.urlTemplate, extraYAML: Self.detectionYAML(threshold: 200)),
                try await ClusterNode(name: "node-b", server: server, crmURL: crm.urlTemplate, extraYAML: Self.detectionYAML(threshold: 200)),
            ]
            let agent = Self.agent(1)
            // 199 distinct customers, alternating nodes: neither node alone sees more than 100.
            for index in 0..<199 {
                let (status, _) = await nodes[index % 2].read(customer: "C-\(index)", agent: agent)
                #expect(status == 200)
            }
            // The 200th distinct customer completes the incident.
            let (trigger, _) = await nodes[1].read(customer: "C-199", agent: agent)
            #expect(trigger == 200)
            let triggered = ContinuousClock.now
            // From then on, each node refuses the agent within one second (each poll is a new customer).
            var refusedAfter: [String: Duration] = [:]
            var probe = 200
            while refusedAfter.count < 2, ContinuousClock.now - triggered < .seconds(10) {
                for node in nodes where refusedAfter[node.name] == nil {
                    probe += 1
                    if await node.read(customer: "C-\(probe)", agent: agent).status == 403 {
                        refusedAfter[node.name] = ContinuousClock.now - triggered
                    }
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(refusedAfter.count == 2, "both nodes refused the agent: \(refusedAfter)")
            for (name, elapsed) in refusedAfter {
                #expect(elapsed < .seconds(1), "\(name) refused the agent \(elapsed) after the triggering read")
            }
            // Another agent is unaffected on both nodes.
            for node in nodes { #expect(await node.read(customer: "C-1", agent: Self.agent(2)).status == 200) }

            for node in nodes { node.stop() }
            #expect(try await server.count("SELECT count(*) FROM readaudit.events WHERE action = 'alert.velocity'") == 1)
            #expect(try await server.count("SELECT count(*) FROM readaudit.events WHERE action = 'response.block' AND outcome = 'ok'") == 1)
            #expect(try await server.count("SELECT count(*) FROM readaudit.deny_list WHERE unblocked_us IS NULL") == 1)
            // Both local copies hold the block, so a PostgreSQL outage would not lift it.
            for node in nodes {
                #expect(try await node.journal().pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM deny_list") } == 1)
            }
          }
        }
    }

    @Test func aCustomersReportListsEveryAccessFromBothNodesInTimeOrder() async throws {
        try await RealPostgres.withRunning { server in
          try await StubCRM(records: StubCRM.numberedRecords(10)).run { crm in
            let nodes = [
                try await ClusterNode(name: "node-a", server: server, crmURL: crm.urlTemplate),
                try await ClusterNode(name: "node-b", server: server, crmURL: crm.urlTemplate),
            ]
            var expected: [(node: String, id: String)] = []
            for round in 0..<6 {
                let node = nodes[[0, 1, 1, 0, 1, 0][round]]
                let (status, id) = await node.read(customer: "C-3", agent: Self.agent(10 + round))
                #expect(status == 200)
                expected.append((node.name, try #require(id)))
                _ = await node.read(customer: "C-4", agent: Self.agent(10 + round))
            }
            #expect(try await Self.eventually(within: .seconds(10)) {
                try await server.count("SELECT count(*) FROM readaudit.events WHERE customer = 'C-3'") == 6
            })
            // The CLI on either node reads PostgreSQL...
            let cli = try nodes[0].command(["report", "--customer", "C-3", "--format", "json"])
            #expect(cli.status == 0, "\(cli.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])
            let accesses = try #require(report["accesses"] as? [[String: Any]])
            #expect(accesses.compactMap { $0["id"] as? String } == expected.map(\.id))
            #expect(accesses.compactMap { $0["node"] as? String } == expected.map(\.node))
            let times = accesses.compactMap { $0["time"] as? String }
            #expect(times == times.sorted() && times.count == 6)
            // ...and so does the admin API of the other node.
            let admin = try await nodes[1].admin("/admin/v1/reports/customer/C-3?format=json", key: ClusterNode.auditorKey)
            #expect(admin.status == 200)
            let viaAPI = try #require(try JSONSerialization.jsonObject(with: Data(admin.body.utf8)) as? [String: Any])
            #expect((viaAPI["accesses"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == expected.map(\.id))
            // The paged query reads PostgreSQL too, and its cursor carries the node across pages. (The reads only:
            // the admin report above is itself an event about C-3.)
            var paged: [String] = []
            var cursor: String?
            repeat {
                let page = try await nodes[0].admin(
                    "/admin/v1/events?customer=C-3&action=customer.read&limit=4" + (cursor.map { "&cursor=\($0)" } ?? ""), key: ClusterNode.auditorKey)
                #expect(page.status == 200, "\(page.body)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
                paged += (object["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = object["nextCursor"] as? String
            } while cursor != nil && paged.count < 20
            #expect(paged == expected.map(\.id))
            // verify checks each node's chain as PostgreSQL holds it.
            // The auditor trusts every node's public keys (`readaudit keys public` on each), never PostgreSQL's word.
            for node in nodes { node.stop() }
            var keys = ""
            for node in nodes {
                let printed = try node.command(["keys", "public"])
                #expect(printed.status == 0)
                keys += printed.stdout
            }
            let keysFile = nodes[0].directory.file("all-nodes.pub")
            try keys.write(toFile: keysFile, atomically: true, encoding: .utf8)
            let verified = try nodes[0].command(["verify", "--public-keys", keysFile])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains("OK node-a:") && verified.stdout.contains("OK node-b:"), "\(verified.stdout)")
            // An edit in PostgreSQL (made by someone who can switch the append-only trigger off) is found, by chain.
            _ = try await server.psql("""
                ALTER TABLE readaudit.events DISABLE TRIGGER USER;
                UPDATE readaudit.events SET agent = '\(Self.agent(99))' WHERE id = '\(expected[2].id)';
                """)
            let tampered = try nodes[0].command(["verify", "--read-only", "--public-keys", keysFile])
            #expect(tampered.status == 1)
            #expect(tampered.stdout.contains("FAILED node-b:") && tampered.stdout.contains("contents_altered"), "\(tampered.stdout)")
            #expect(tampered.stdout.contains("OK node-a:"), "\(tampered.stdout)")
          }
        }
    }

    @Test func killingTheLeaderMovesDetectionToTheOtherNodeWithNoAlertLostOrDoubled() async throws {
        try await RealPostgres.withRunning { server in
          try await StubCRM(records: StubCRM.numberedRecords(2000)).run { crm in
            let yaml = Self.detectionYAML(threshold: 40)
            let cluster = "leaderCheckIntervalMs: 300"
            var nodes = [
                try await ClusterNode(name: "node-a", server: server, crmURL: crm.urlTemplate, extraYAML: yaml, clusterYAML: cluster),
                try await ClusterNode(name: "node-b", server: server, crmURL: crm.urlTemplate, extraYAML: yaml, clusterYAML: cluster),
            ]
            func burst(agent: Int, through chosen: [ClusterNode], from first: Int) async {
                for index in 0..<40 { _ = await chosen[index % chosen.count].read(customer: "C-\(first + index)", agent: Self.agent(agent)) }
            }
            func alerts(for agent: Int) async throws -> Int {
                try await server.count("SELECT count(*) FROM readaudit.detector_alerts WHERE agent = '\(Self.agent(agent))'")
            }
            // Agent 1 trips the rule while both nodes run; whoever leads raises it.
            await burst(agent: 1, through: nodes, from: 0)
            #expect(try await Self.eventually(within: .seconds(10)) { try await alerts(for: 1) == 1 })
            let leaderName = try #require(try await server.psql("SELECT leader FROM readaudit.detector_state").first)
            let leader = try #require(nodes.firstIndex { $0.name == leaderName })
            let survivor = nodes[1 - leader]

            // Agents 2 and 3 are half-way through their bursts when the leader dies.
            for agent in [2, 3] {
                for index in 0..<20 { _ = await nodes[index % 2].read(customer: "C-\(agent * 100 + index)", agent: Self.agent(agent)) }
            }
            // (Its share of them has reached PostgreSQL: reads still lingering in a dead node's journal would be
            // counted only when it comes back.)
            #expect(try await Self.eventually(within: .seconds(10)) {
                try await server.count("SELECT count(*) FROM readaudit.events WHERE action = 'customer.read' AND agent IN ('\(Self.agent(2))', '\(Self.agent(3))')") == 40
            })
            nodes[leader].kill()
            let killed = ContinuousClock.now
            for agent in [2, 3] {
                for index in 20..<40 { _ = await survivor.read(customer: "C-\(agent * 100 + index)", agent: Self.agent(agent)) }
            }
            // The survivor takes the lead within the configured check interval (plus PostgreSQL noticing the
            // dead connection) and raises both.
            #expect(try await Self.eventually(within: .seconds(5)) {
                let (second, third) = (try await alerts(for: 2), try await alerts(for: 3))
                return second == 1 && third == 1
            })
            let takeover = ContinuousClock.now - killed
            #expect(try await server.psql("SELECT leader FROM readaudit.detector_state").first == survivor.name)
            #expect(takeover < .seconds(5), "detection moved in \(takeover)")
            // Agent 4 after the fail-over, through the survivor alone.
            await burst(agent: 4, through: [survivor], from: 1000)
            #expect(try await Self.eventually(within: .seconds(10)) { try await alerts(for: 4) == 1 })

            // The dead node comes back; its journal's backlog ships. Every incident has exactly one alert event
            // in the cluster's trail, whichever node raised it.
            nodes[leader] = try await nodes[leader].restarted()
            for node in nodes { node.stop() }
            for agent in 1...4 {
                #expect(try await server.count("""
                    SELECT count(*) FROM readaudit.events WHERE action = 'alert.velocity' AND agent = '\(Self.agent(agent))'
                    """) == 1, "agent \(agent)")
            }
            #expect(try await server.count("SELECT count(*) FROM readaudit.detector_alerts WHERE NOT recorded") == 0)
          }
        }
    }
}

/// The cross-node detector's repair path, in process against a real PostgreSQL: an incident this node
/// claimed but never got into its journal (it died between the two) is recorded, once, when its detector
/// starts again.
@Suite(.serialized) struct ClusterClaimRepairTests {
    @Test func aClaimThisNodeNeverRecordedIsRecordedOnceWhenItStartsAgain() async throws {
        try await RealPostgres.withRunning { server in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let logger = Logger(label: "repair-test")
            let alertID = EventID.make(at: SystemWallClock().now())
            try await withClusterDatabase(server) { database in
                // What a leader commits before it appends the alert: the claim, not yet recorded.
                _ = try await server.psql("""
                    INSERT INTO readaudit.detector_alerts
                        (incident, rule, leader, alert_id, alert_us, trigger_us, agent, detail)
                    VALUES ('velocity:agent:a:7', 'velocity', 'node-r', '\(alertID.rawValue)', 1764000000000000, 1764000000000000,
                            '\(TestCredentials.agentId)', '{"incident":"velocity:agent:a:7","rule":"velocity","source":"detector"}')
                    """)
                let store = try JournalStore(path: directory.file("journal.sqlite"))
                for round in 1...2 {
                    try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
                        let detector = ClusterDetector(
                            database: database, journal: journal, configuration: DetectionConfiguration(), responses: ResponseConfiguration(),
                            responders: [], node: "node-r", clock: SystemWallClock(), cluster: ClusterConfiguration(postgres: server.settings),
                            wake: database.eventsArrived, logger: logger)
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { try await detector.run() }
                            defer { group.cancelAll() }
                            let recorded = try await ClusterDetectionTests.eventually(within: .seconds(10)) {
                                try await server.count("SELECT count(*) FROM readaudit.detector_alerts WHERE recorded") == 1
                            }
                            #expect(recorded, "round \(round)")
                        }
                    }
                    // The second round finds the claim recorded and the alert in the journal: nothing is added.
                    let alerts = try await store.entries(after: 0, limit: 100).filter { $0.event.action.rawValue == "alert.velocity" }
                    #expect(alerts.map(\.event.id) == [alertID], "round \(round)")
                    #expect(alerts.first?.event.detail["incident"] == "velocity:agent:a:7")
                    _ = try await server.psql("UPDATE readaudit.detector_alerts SET recorded = false")
                }
            }
        }
    }
}
