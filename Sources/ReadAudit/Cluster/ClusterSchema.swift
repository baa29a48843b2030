import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema `readaudit`, owned by the project. Migrations are append-only: never edit one that
/// has shipped, add a new one.
///
/// `events` holds every node's journal entries exactly as their chains sealed them (so each node's chain
/// can be verified from PostgreSQL alone). `chain` names the node whose journal shipped the row (the chain
/// it belongs to); `node` is the event's own field, part of what the chain hash covers. Its key is the event id (with the partition key, `time_us`), so
/// a re-sent batch inserts nothing twice. It is partitioned by month of event time: retention drops whole
/// partitions. `txid` and `ingest` give the cross-node detector one total, replayable order of arrival.
public enum ClusterSchema {
    struct Migration: Sendable {
        var name: String
        var statements: [String]
    }

    /// Serialises migrations and partition creation between nodes starting at once.
    static let migrationLock: Int64 = 0x7265_6164_6175_6401
    /// Held (session-scoped) by the node that runs the cross-node detector.
    public static let detectorLeaderLock: Int64 = 0x7265_6164_6175_6402
    /// NOTIFY channel: the deny list changed (payload: the agent, lower-cased).
    public static let denyListChannel = "readaudit_deny_list"
    /// NOTIFY channel: a node shipped events (payload: the node).
    public static let eventsChannel = "readaudit_events"

    static let migrations: [Migration] = [
        Migration(name: "v1-cluster", statements: [
            "CREATE SEQUENCE readaudit.events_ingest",
            """
            CREATE TABLE readaudit.events (
                chain text NOT NULL,
                seq bigint NOT NULL CHECK (seq > 0),
                id text NOT NULL,
                time_us bigint NOT NULL,
                node text NOT NULL,
                action text NOT NULL,
                outcome text NOT NULL,
                code text,
                credential text,
                agent text,
                interaction text,
                customer text,
                fields text NOT NULL,
                masked text NOT NULL,
                source text,
                genesys text NOT NULL,
                detail text NOT NULL,
                prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
                hash bytea NOT NULL CHECK (length(hash) = 32),
                txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                ingest bigint NOT NULL DEFAULT nextval('readaudit.events_ingest'),
                PRIMARY KEY (id, time_us)
            ) PARTITION BY RANGE (time_us)
            """,
            "CREATE UNIQUE INDEX events_chain_seq ON readaudit.events (chain, seq, time_us)",
            "CREATE INDEX events_customer_time ON readaudit.events (customer, time_us)",
            "CREATE INDEX events_agent_time ON readaudit.events (agent, time_us)",
            "CREATE INDEX events_interaction_time ON readaudit.events (interaction, time_us)",
            "CREATE INDEX events_action_time ON readaudit.events (action COLLATE \"C\", time_us)",
            "CREATE INDEX events_arrival ON readaudit.events (txid, ingest)",
            """
            CREATE FUNCTION readaudit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'readaudit events are append-only: % refused', TG_OP; END $$
            """,
            """
            CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON readaudit.events
            FOR EACH ROW EXECUTE FUNCTION readaudit.refuse_change()
            """,
            """
            CREATE TABLE readaudit.deny_list (
                agent text PRIMARY KEY,
                reason text NOT NULL,
                blocked_by text NOT NULL,
                blocked_us bigint NOT NULL,
                node text NOT NULL,
                unblocked_by text,
                unblocked_us bigint,
                CHECK ((unblocked_by IS NULL) = (unblocked_us IS NULL))
            )
            """,
            """
            CREATE TABLE readaudit.detector_state (
                id int PRIMARY KEY CHECK (id = 1),
                watermark xid8 NOT NULL,
                ingest bigint NOT NULL,
                leader text NOT NULL,
                updated_us bigint NOT NULL
            )
            """,
            """
            CREATE TABLE readaudit.detector_alerts (
                incident text PRIMARY KEY,
                rule text NOT NULL,
                leader text NOT NULL,
                alert_id text NOT NULL UNIQUE,
                alert_us bigint NOT NULL,
                trigger_us bigint NOT NULL,
                code text,
                credential text,
                agent text,
                interaction text,
                customer text,
                detail text NOT NULL,
                recorded boolean NOT NULL DEFAULT false
            )
            """,
        ])
    ]

    /// The month partition holding `time` (UTC): its table name and [start, end) in microseconds.
    public static func partition(containing time: Int64) -> (name: String, start: Int64, end: Int64) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(time) / 1_000_000)
        let parts = calendar.dateComponents([.year, .month], from: date)
        let start = calendar.date(from: DateComponents(year: parts.year, month: parts.month, day: 1))!
        let end = calendar.date(byAdding: .month, value: 1, to: start)!
        let name = String(format: "events_%04d_%02d", parts.year!, parts.month!)
        return (name, Int64(start.timeIntervalSince1970) * 1_000_000, Int64(end.timeIntervalSince1970) * 1_000_000)
    }

    /// Creates the month partitions that `times` fall in, when missing (serialised between nodes).
    static func ensurePartitions(for times: some Sequence<Int64>, on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var wanted: [String: (Int64, Int64)] = [:]
        var last: (start: Int64, end: Int64)?
        for time in times {
            if let last, time >= last.start, time < last.end { continue }
            let partition = partition(containing: time)
            wanted[partition.name] = (partition.start, partition.end)
            last = (partition.start, partition.end)
        }
        let existing = try await connection.query(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'readaudit.events'::regclass",
            logger: logger
        ).collect().map { try $0.decode(String.self) }
        let missing = wanted.keys.filter { !existing.contains($0) }.sorted()
        guard !missing.isEmpty else { return existing }
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            for name in missing {
                let (start, end) = wanted[name]!
                try await connection.query(PostgresQuery(unsafeSQL: """
                    CREATE TABLE IF NOT EXISTS readaudit.\(name) PARTITION OF readaudit.events FOR VALUES FROM (\(start)) TO (\(end))
                    """), logger: logger)
                logger.info("Created a month partition in PostgreSQL", metadata: ["partition": "\(name)"])
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        return existing + missing
    }
}
