import Logging
import PostgresNIO
import ServiceLifecycle

/// The cross-node detector: the rules of `DetectionEngine` over the union of every node's events, as they
/// reach PostgreSQL. Every node runs one; exactly one leads at a time, the holder of a session-scoped
/// advisory lock, and the others try to take the lead every `leaderCheckInterval`. A leader that dies loses
/// the lock with its connection, so another node takes over within that interval.
///
/// Order: events are read in arrival order (`txid`, `ingest`), only from transactions older than every
/// transaction still running (`pg_snapshot_xmin`), so a late commit can never slip in behind the watermark.
/// Each entry's `sequence` is its `ingest` number, unique in the cluster: incidents name the same trigger
/// whichever node computes them.
///
/// Exactly one alert per incident, across fail-overs:
/// 1. the leader claims the incident in `readaudit.detector_alerts` (primary key: the incident) and moves the
///    watermark to the triggering event, in one transaction on the connection that holds the lock;
/// 2. it appends the alert to its own journal (shipped like any event), marks the claim recorded, and
///    runs the responses.
/// A new leader resumes after the watermark, knowing every claimed incident, so it never raises one twice.
/// A node that claimed but could not record (it died, or its journal refused) records its own unrecorded
/// claims before it tries to lead again. Such a claim's responses are not run then: an alert raised late
/// must not act late; the SOC sees the alert.
public final class ClusterDetector: Service {
    let database: ClusterDatabase
    let journal: SQLiteJournal
    let configuration: DetectionConfiguration
    let responses: ResponseConfiguration
    let raiser: AlertRaiser
    let node: String
    let clock: any WallClock
    let cluster: ClusterConfiguration
    let wake: ClusterWake
    let batchSize: Int
    let logger: Logger

    public init(
        database: ClusterDatabase, journal: SQLiteJournal, configuration: DetectionConfiguration, responses: ResponseConfiguration,
        responders: [any Responder], node: String, clock: any WallClock, cluster: ClusterConfiguration, wake: ClusterWake,
        batchSize: Int = 2000, logger: Logger
    ) {
        self.database = database
        self.journal = journal
        self.configuration = configuration
        self.responses = responses
        self.raiser = AlertRaiser(journal: journal, responders: responders, node: node, clock: clock, logger: logger)
        self.node = node
        self.clock = clock
        self.cluster = cluster
        self.wake = wake
        self.batchSize = batchSize
        self.logger = logger
    }

    /// A position in the cluster's arrival order.
    struct Watermark: Sendable, Equatable {
        /// The transaction id (`xid8`) as text.
        var txid: String
        var ingest: Int64
        static let start = Watermark(txid: "0", ingest: 0)
    }

    public func run() async throws {
        await runUntilShutdown { await self.detectUntilCancelled() }
    }

    private func detectUntilCancelled() async {
        while !Task.isCancelled {
            do {
                // Before every attempt to lead: a claim this node made but could not record (it stopped, or its
                // journal refused the alert) is recorded first, so leading never skips it.
                try await recordOwnClaims()
                do {
                    try await self.database.client.withConnection { connection in
                        guard try await self.takeLead(on: connection) else { return }
                        self.logger.info("This node leads cross-node detection", metadata: ["node": "\(self.node)"])
                        defer { self.logger.info("This node no longer leads cross-node detection", metadata: ["node": "\(self.node)"]) }
                        var failure: (any Error)?
                        do { try await self.lead(on: connection) } catch { failure = error }
                        // The connection goes back to the pool: without the lock, with the default timeout.
                        _ = try? await connection.query("SELECT pg_advisory_unlock(\(ClusterSchema.detectorLeaderLock))", logger: self.logger)
                        _ = try? await connection.query("RESET statement_timeout", logger: self.logger)
                        if let failure { throw failure }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "Cross-node detection paused: PostgreSQL did not answer; retrying. Reads go on; local journals keep every event.",
                    metadata: ["error": "\(PostgresSink.describe(error))"])
            }
            try? await Task.sleep(for: cluster.leaderCheckInterval)
        }
    }

    private func takeLead(on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(ClusterSchema.detectorLeaderLock))", logger: logger).collect()
        guard try rows.first?.decode(Bool.self) == true else { return false }
        // A hung statement must not keep the lead: PostgreSQL cancels it, the lead is given up and retaken.
        try await connection.query("SET statement_timeout = 15000", logger: logger)
        return true
    }

    /// Detects until shutdown, on the connection that holds the lock.
    private func lead(on connection: PostgresConnection) async throws {
        var engine = DetectionEngine(configuration)
        var planner = ResponsePlanner(responses)
        var watermark = try await loadWatermark(connection)
        try await warmUp(engine: &engine, before: watermark, on: connection)
        logger.info("Cross-node detector resumed", metadata: ["watermark.txid": "\(watermark.txid)", "watermark.ingest": "\(watermark.ingest)"])
        while !Task.isCancelled {
            let batch = try await events(after: watermark, on: connection)
            guard let last = batch.last else {
                await wake.wait(timeout: cluster.detectorPollInterval)
                continue
            }
            for (position, entry) in batch {
                for finding in engine.observe(entry) {
                    try await raise(finding, at: position, planner: &planner, on: connection)
                }
            }
            watermark = last.0
            try await connection.query("""
                UPDATE readaudit.detector_state SET watermark = \(watermark.txid)::text::xid8, ingest = \(watermark.ingest),
                    leader = \(node), updated_us = \(clock.now().microseconds) WHERE id = 1
                """, logger: logger)
        }
    }

    private func loadWatermark(_ connection: PostgresConnection) async throws -> Watermark {
        try await connection.query("""
            INSERT INTO readaudit.detector_state (id, watermark, ingest, leader, updated_us)
            VALUES (1, '0'::xid8, 0, \(node), \(clock.now().microseconds)) ON CONFLICT (id) DO NOTHING
            """, logger: logger)
        let rows = try await connection.query("SELECT watermark::text, ingest FROM readaudit.detector_state WHERE id = 1", logger: logger)
        for try await (txid, ingest) in rows.decode((String, Int64).self) { return Watermark(txid: txid, ingest: ingest) }
        return .start
    }

    /// Rebuilds window state from the `lookbackEvents` before the watermark (findings discarded: the previous
    /// leader had them) and learns every incident already claimed.
    private func warmUp(engine: inout DetectionEngine, before watermark: Watermark, on connection: PostgresConnection) async throws {
        let lookback = configuration.lookbackEvents
        if lookback > 0, watermark != .start {
            let rows = try await connection.query("""
                SELECT \(unescaped: ClusterEvents.columns), txid::text, ingest FROM readaudit.events
                WHERE (txid, ingest) <= (\(watermark.txid)::text::xid8, \(watermark.ingest))
                ORDER BY txid DESC, ingest DESC LIMIT \(Int64(lookback))
                """, logger: logger).collect()
            for row in rows.reversed() { _ = engine.observe(try Self.entry(row)) }
        }
        let since = clock.now().microseconds - 7 * 86_400 * 1_000_000
        let claims = try await connection.query(
            "SELECT incident, trigger_us FROM readaudit.detector_alerts WHERE trigger_us >= \(since)", logger: logger)
        for try await (incident, trigger) in claims.decode((String, Int64).self) { engine.remember(incident, at: trigger) }
    }

    /// The next events after `watermark` in arrival order, from finished transactions only.
    private func events(after watermark: Watermark, on connection: PostgresConnection) async throws -> [(Watermark, JournalEntry)] {
        let rows = try await connection.query("""
            SELECT \(unescaped: ClusterEvents.columns), txid::text, ingest FROM readaudit.events
            WHERE (txid, ingest) > (\(watermark.txid)::text::xid8, \(watermark.ingest))
              AND txid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY txid, ingest LIMIT \(Int64(batchSize))
            """, logger: logger).collect()
        return try rows.map { row in
            let cells = row.makeRandomAccess()
            return (Watermark(txid: try cells[19].decode(String.self), ingest: try cells[20].decode(Int64.self)), try Self.entry(row))
        }
    }

    /// The row's entry with its `ingest` number as its sequence.
    static func entry(_ row: PostgresRow) throws -> JournalEntry {
        let (_, entry) = try ClusterEvents.entry(from: row)
        let ingest = try row.makeRandomAccess()[20].decode(Int64.self)
        return JournalEntry(sequence: ingest, event: entry.event, previousHash: entry.previousHash, hash: entry.hash)
    }

    /// Claims the incident (moving the watermark to its trigger in the same transaction); when this node won
    /// the claim, records the alert and responds.
    private func raise(_ finding: Finding, at position: Watermark, planner: inout ResponsePlanner, on connection: PostgresConnection) async throws {
        let now = clock.now()
        let alert = finding.alertDraft(id: .make(at: now), time: now, node: node)
        var detail = JSONText(capacity: 256)
        detail.stringMap(alert.detail)
        try await connection.query("BEGIN", logger: logger)
        let won: Bool
        do {
            won = try await connection.query("""
                INSERT INTO readaudit.detector_alerts
                    (incident, rule, leader, alert_id, alert_us, trigger_us, code, credential, agent, interaction, customer, detail)
                VALUES (\(finding.incident), \(finding.rule), \(node), \(alert.id.rawValue), \(now.microseconds),
                    \(finding.triggerTime.microseconds), \(alert.code), \(alert.credential), \(alert.agent), \(alert.interaction),
                    \(alert.customer), \(detail.string))
                ON CONFLICT (incident) DO NOTHING RETURNING 1
                """, logger: logger).collect().count == 1
            try await connection.query("""
                UPDATE readaudit.detector_state SET watermark = \(position.txid)::text::xid8, ingest = \(position.ingest),
                    leader = \(node), updated_us = \(now.microseconds) WHERE id = 1
                """, logger: logger)
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        guard won else {
            logger.info("Incident already claimed by an earlier leader; not raised again", metadata: ["rule": "\(finding.rule)"])
            return
        }
        guard let entry = await raiser.record(alert, finding: finding) else {
            // The claim stands and is recorded before this node leads again; meanwhile another node may lead.
            throw ClusterError.unavailable("this node's journal refused an alert; giving up the lead")
        }
        await raiser.respond(to: entry, finding: finding, planner: &planner)
        // After the responses: should this fail, the next start finds the alert in the journal and marks it.
        try await connection.query("UPDATE readaudit.detector_alerts SET recorded = true WHERE incident = \(finding.incident)", logger: logger)
    }

    /// Records the alerts this node claimed but did not get into its journal (it stopped in between).
    func recordOwnClaims() async throws {
        let node = self.node
        let logger = self.logger
        let claims = try await database.withConnection { connection in
            var claims: [AuditEventDraft] = []
            let rows = try await connection.query("""
                SELECT alert_id, alert_us, rule, code, credential, agent, interaction, customer, detail
                FROM readaudit.detector_alerts WHERE leader = \(node) AND NOT recorded
                """, logger: logger)
            for try await (id, time, rule, code, credential, agent, interaction, customer, detail) in rows.decode(
                (String, Int64, String, String?, String?, String?, String?, String?, String).self)
            {
                guard let eventID = EventID(rawValue: id) else { throw ClusterError.invalid("a claimed alert id is not a UUID") }
                claims.append(AuditEventDraft(
                    id: eventID, time: AuditTime(microseconds: time), node: node, action: AuditAction(rawValue: "alert." + rule),
                    outcome: .failed, code: code, credential: credential, agent: agent, interaction: interaction, customer: customer,
                    detail: try JournalStore.decodeMap(detail, column: "detail", sequence: 0)))
            }
            return claims
        }
        for alert in claims {
            if try await journal.store.entry(id: alert.id) == nil {
                _ = try await journal.append(alert)
                logger.warning("Recorded an alert this node had claimed before it stopped", metadata: ["event.id": "\(alert.id)"])
            }
            let id = alert.id.rawValue
            try await database.withConnection { connection in
                try await connection.query("UPDATE readaudit.detector_alerts SET recorded = true WHERE alert_id = \(id)", logger: logger)
            }
        }
    }
}
