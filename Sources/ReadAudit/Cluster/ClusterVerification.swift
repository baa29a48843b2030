import Logging
import PostgresNIO

/// One node's chain as shipped to PostgreSQL, walked in sequence order for `verify`: the rows must hash and
/// link exactly as the node's journal sealed them, and hold to that node's signed checkpoints.
public struct ClusterChain: VerifiableChain {
    public let database: ClusterDatabase
    /// The node whose journal this chain is (the `chain` column).
    public let chain: String

    public init(database: ClusterDatabase, chain: String) {
        self.database = database
        self.chain = chain
    }

    public func checkpointEvents() async throws -> [(entry: JournalEntry, checkpoint: Checkpoint?)] {
        let (chain, logger) = (self.chain, database.logger)
        return try await database.withConnection(timeout: .seconds(300)) { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: ClusterEvents.columns) FROM readaudit.events
                WHERE chain = \(chain) AND action = \(AuditAction.auditCheckpoint.rawValue) ORDER BY seq
                """, logger: logger).collect()
            return try rows.map { row in
                let entry = try ClusterEvents.entry(from: row).entry
                return (entry, try? Checkpoint(event: entry.event))
            }
        }
    }

    public func scanChain(after sequence: Int64, pageSize: Int64, _ body: (ScannedEntry) throws -> Bool) async throws {
        var position = max(sequence, Int64.min + 1)
        let (chain, logger) = (self.chain, database.logger)
        while true {
            let after = position
            let page = try await database.withConnection(timeout: .seconds(300)) { connection in
                try await connection.query("""
                    SELECT \(unescaped: ClusterEvents.columns) FROM readaudit.events
                    WHERE chain = \(chain) AND seq > \(after) ORDER BY seq LIMIT \(pageSize)
                    """, logger: logger).collect().map { try ClusterEvents.entry(from: $0).entry }
            }
            for entry in page {
                let recomputed = CanonicalEncoding.hash(of: entry.event, sequence: entry.sequence, previousHash: entry.previousHash)
                let scanned = ScannedEntry(
                    sequence: entry.sequence, previousHash: entry.previousHash, hash: entry.hash, contentsMatch: recomputed == entry.hash,
                    leafHash: MerkleTree.leafHash(entryHash: entry.hash))
                guard try body(scanned) else { return }
            }
            guard let last = page.last, page.count == pageSize else { return }
            position = last.sequence
        }
    }

    /// Every chain (node) PostgreSQL holds events of, by name.
    public static func chains(in database: ClusterDatabase) async throws -> [String] {
        let logger = database.logger
        return try await database.withConnection(timeout: .seconds(120)) { connection in
            // A loose index scan over (chain, seq, time_us): one probe per chain, not a pass over every row.
            let rows = try await connection.query("""
                WITH RECURSIVE chains(name) AS (
                    SELECT min(chain) FROM readaudit.events
                    UNION ALL
                    SELECT (SELECT min(chain) FROM readaudit.events WHERE chain > chains.name) FROM chains WHERE chains.name IS NOT NULL
                )
                SELECT name FROM chains WHERE name IS NOT NULL
                """, logger: logger)
            var names: [String] = []
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }
}
