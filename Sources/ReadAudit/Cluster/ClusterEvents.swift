import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Journal entries in and out of `readaudit.events`: the columns hold exactly what the local journal holds,
/// so an entry read back hashes to the same chain link.
public enum ClusterEvents {
    /// The columns every entry query selects, in the order `entry(from:)` reads them.
    public static let columns = """
        chain, seq, id, time_us, node, action, outcome, code, credential, agent, interaction, customer, fields, masked, \
        source, genesys, detail, prev_hash, hash
        """

    /// The same columns qualified by a table alias (`e.chain, e.seq, ...`).
    public static func columns(alias: String) -> String {
        columns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
    }

    /// Decodes one row of `columns`: the chain it belongs to and the entry. A damaged row is an
    /// `UnreadableEntry`, never a crash.
    public static func entry(from row: PostgresRow) throws -> (chain: String, entry: JournalEntry) {
        let cells = row.makeRandomAccess()
        let sequence = (try? cells[1].decode(Int64.self)) ?? 0
        func text(_ index: Int, _ name: String) throws -> String {
            guard let value = try? cells[index].decode(String.self) else {
                throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not text")
            }
            return value
        }
        func optionalText(_ index: Int, _ name: String) throws -> String? {
            do { return try cells[index].decode(String?.self) } catch {
                throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not text")
            }
        }
        func hash(_ index: Int, _ name: String) throws -> ChainHash {
            guard let buffer = try? cells[index].decode(ByteBuffer.self), let hash = ChainHash(bytes: Array(buffer.readableBytesView)) else {
                throw UnreadableEntry(sequence: sequence, detail: "column \(name) is not a 32-byte hash")
            }
            return hash
        }
        guard let id = EventID(rawValue: try text(2, "id")) else {
            throw UnreadableEntry(sequence: sequence, detail: "event id is not a UUID")
        }
        guard let time = try? cells[3].decode(Int64.self) else {
            throw UnreadableEntry(sequence: sequence, detail: "column time_us is not an integer")
        }
        let event = AuditEventDraft(
            id: id, time: AuditTime(microseconds: time), node: try text(4, "node"),
            action: AuditAction(rawValue: try text(5, "action")), outcome: AuditOutcome(rawValue: try text(6, "outcome")),
            code: try optionalText(7, "code"), credential: try optionalText(8, "credential"), agent: try optionalText(9, "agent"),
            interaction: try optionalText(10, "interaction"), customer: try optionalText(11, "customer"),
            fields: try JournalStore.decodeList(try text(12, "fields"), column: "fields", sequence: sequence),
            masked: try JournalStore.decodeList(try text(13, "masked"), column: "masked", sequence: sequence),
            source: try optionalText(14, "source"),
            genesys: try JournalStore.decodeMap(try text(15, "genesys"), column: "genesys", sequence: sequence),
            detail: try JournalStore.decodeMap(try text(16, "detail"), column: "detail", sequence: sequence))
        let entry = JournalEntry(sequence: sequence, event: event, previousHash: try hash(17, "prev_hash"), hash: try hash(18, "hash"))
        return (try text(0, "chain"), entry)
    }

    /// Inserts `entries` of `chain`'s journal in one statement, skipping any already there: the key is the
    /// event id, so a re-sent batch never duplicates. Returns how many rows were new.
    ///
    /// The batch travels as one JSON document that PostgreSQL unpacks (`json_to_recordset`): one text
    /// parameter written by `JSONText` costs the gateway a fraction of what nineteen column arrays cost to
    /// encode (the ingest benchmark's gateway-side CPU per event). The list and map columns go as the same
    /// JSON text the local journal stores, inside JSON strings, so they arrive byte for byte.
    static func insert(_ entries: [JournalEntry], chain: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var json = JSONText(capacity: entries.count * 640)
        json.raw("[")
        for (index, entry) in entries.enumerated() {
            let e = entry.event
            if index > 0 { json.raw(",") }
            json.raw("{\"seq\":")
            json.raw(String(entry.sequence))
            json.key("id")
            json.string(e.id.rawValue)
            json.raw(",\"time_us\":")
            json.raw(String(e.time.microseconds))
            json.key("node")
            json.string(e.node)
            json.key("action")
            json.string(e.action.rawValue)
            json.key("outcome")
            json.string(e.outcome.rawValue)
            json.key("code")
            json.optionalString(e.code)
            json.key("credential")
            json.optionalString(e.credential)
            json.key("agent")
            json.optionalString(e.agent)
            json.key("interaction")
            json.optionalString(e.interaction)
            json.key("customer")
            json.optionalString(e.customer)
            json.key("source")
            json.optionalString(e.source)
            // The list and map columns: their journal JSON text, as a JSON string.
            for (key, list) in [("fields", e.fields), ("masked", e.masked)] {
                var text = JSONText(capacity: 128)
                text.stringArray(list)
                json.key(key)
                json.string(text.string)
            }
            for (key, map) in [("genesys", e.genesys), ("detail", e.detail)] {
                var text = JSONText(capacity: 128)
                text.stringMap(map)
                json.key(key)
                json.string(text.string)
            }
            json.key("prev_hash")
            json.string(entry.previousHash.hex)
            json.key("hash")
            json.string(entry.hash.hex)
            json.raw("}")
        }
        json.raw("]")
        let document = json.string
        let rows = try await connection.query("""
            WITH inserted AS (
                INSERT INTO readaudit.events (\(unescaped: columns))
                SELECT \(chain), u.seq, u.id, u.time_us, u.node, u.action, u.outcome, u.code, u.credential, u.agent, u.interaction,
                    u.customer, u.fields, u.masked, u.source, u.genesys, u.detail, decode(u.prev_hash, 'hex'), decode(u.hash, 'hex')
                FROM json_to_recordset(\(document)::json)
                    AS u(seq int8, id text, time_us int8, node text, action text, outcome text, code text, credential text, agent text,
                         interaction text, customer text, fields text, masked text, source text, genesys text, detail text,
                         prev_hash text, hash text)
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*)::int8 FROM inserted
            """, logger: logger)
        var inserted: Int64 = 0
        for try await row in rows { inserted = try row.decode(Int64.self) }
        return Int(inserted)
    }
}
