import GRDB

/// The journal's schema. Migrations are append-only: never edit one that has shipped, add a new one.
enum JournalSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-events") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY CHECK (seq > 0),
                    id TEXT NOT NULL UNIQUE,
                    time_us INTEGER NOT NULL,
                    node TEXT NOT NULL,
                    action TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    code TEXT,
                    credential TEXT,
                    agent TEXT,
                    interaction TEXT,
                    customer TEXT,
                    fields TEXT NOT NULL,
                    masked TEXT NOT NULL,
                    source TEXT,
                    genesys TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
                    hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32)
                );
                CREATE INDEX events_customer_time ON events (customer, time_us);
                CREATE INDEX events_agent_time ON events (agent, time_us);
                CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'readaudit journal rows are append-only: UPDATE refused'); END;
                CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'readaudit journal rows are append-only: DELETE refused'); END;

                CREATE TABLE sink_cursors (
                    sink TEXT PRIMARY KEY,
                    seq INTEGER NOT NULL CHECK (seq >= 0),
                    updated_us INTEGER NOT NULL
                );
                CREATE TABLE health_probe (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    checked_us INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-deny-list") { db in
            try db.execute(sql: """
                CREATE TABLE deny_list (
                    agent TEXT PRIMARY KEY,
                    reason TEXT NOT NULL,
                    blocked_by TEXT NOT NULL,
                    blocked_us INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3-merkle") { db in
            // Derived data: stored subtree hashes of the Merkle tree over the entries (levels 8 and 16, i.e.
            // 256 and 65,536 leaves), so a proof or a root reads hundreds of rows, not millions. Never trusted:
            // a wrong node only makes a proof that fails to verify; `verify` recomputes the tree from entries.
            try db.execute(sql: """
                CREATE TABLE merkle_nodes (
                    level INTEGER NOT NULL CHECK (level IN (8, 16)),
                    idx INTEGER NOT NULL CHECK (idx >= 0),
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    PRIMARY KEY (level, idx)
                ) WITHOUT ROWID;
                """)
        }
        // Admin queries by interaction, and by action (alerts, the last verification), in time order.
        migrator.registerMigration("v3-admin-indexes") { db in
            try db.execute(sql: """
                CREATE INDEX events_interaction_time ON events (interaction, time_us);
                CREATE INDEX events_action_time ON events (action, time_us);
                """)
        }
        migrator.registerMigration("v4-archives") { db in
            // Archive segments (Retention/Archiver.swift): one row per segment file, written before any of
            // its rows leave `events`. The DELETE trigger is replaced: it still refuses every DELETE except
            // of rows a recorded segment holds, and never the chain head (the next append links to it).
            try db.execute(sql: """
                CREATE TABLE archive_segments (
                    first INTEGER PRIMARY KEY CHECK (first > 0),
                    last INTEGER NOT NULL UNIQUE CHECK (last >= first),
                    file TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    entries INTEGER NOT NULL,
                    first_time_us INTEGER NOT NULL,
                    last_time_us INTEGER NOT NULL,
                    last_hash BLOB NOT NULL CHECK (length(last_hash) = 32),
                    frontier TEXT NOT NULL,
                    checkpoint TEXT NOT NULL,
                    archived_us INTEGER NOT NULL,
                    archive_event_id TEXT NOT NULL,
                    archive_event_seq INTEGER,
                    deleted_us INTEGER,
                    purge_event_id TEXT,
                    purge_event_seq INTEGER
                );
                DROP TRIGGER events_refuse_delete;
                CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
                WHEN OLD.seq > (SELECT coalesce(max(last), 0) FROM archive_segments) OR OLD.seq >= (SELECT max(seq) FROM events)
                BEGIN SELECT RAISE(ABORT, 'readaudit journal rows are append-only: DELETE refused (only archived rows may leave)'); END;
                """)
        }
        return migrator
    }
}
