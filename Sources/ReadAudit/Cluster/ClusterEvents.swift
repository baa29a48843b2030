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

    /// Inserts `entries` of `chain`'s journal in one statement (column arrays through `unnest`), skipping
    /// any already there: the key is the event id, so a re-sent batch never duplicates. Returns how many
    /// rows were new.
    static func insert(_ entries: [JournalEntry], chain: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let count = entries.count
        var seq = [Int64](), id = [String](), time = [Int64](), node = [String](), action = [String](), outcome = [String]()
        var code = [String](), credential = [String](), agent = [String](), interaction = [String](), customer = [String]()
        var fields = [String](), masked = [String](), source = [String](), genesys = [String](), detail = [String]()
        var previous = [ByteBuffer](), hash = [ByteBuffer](), nulls = [Int32]()
        for entry in entries {
            let e = entry.event
            seq.append(entry.sequence)
            id.append(e.id.rawValue)
            time.append(e.time.microseconds)
            node.append(e.node)
            action.append(e.action.rawValue)
            outcome.append(e.outcome.rawValue)
            // Arrays cannot carry NULL here: a bit per optional column says which are absent.
            var mask: Int32 = 0
            for (bit, value) in [e.code, e.credential, e.agent, e.interaction, e.customer, e.source].enumerated() where value == nil {
                mask |= 1 << Int32(bit)
            }
            nulls.append(mask)
            code.append(e.code ?? "")
            credential.append(e.credential ?? "")
            agent.append(e.agent ?? "")
            interaction.append(e.interaction ?? "")
            customer.append(e.customer ?? "")
            source.append(e.source ?? "")
            var list = JSONText(capacity: 64)
            list.stringArray(e.fields)
            fields.append(list.string)
            var maskedList = JSONText(capacity: 32)
            maskedList.stringArray(e.masked)
            masked.append(maskedList.string)
            var genesysMap = JSONText(capacity: 32)
            genesysMap.stringMap(e.genesys)
            genesys.append(genesysMap.string)
            var detailMap = JSONText(capacity: 32)
            detailMap.stringMap(e.detail)
            detail.append(detailMap.string)
            previous.append(ByteBuffer(bytes: entry.previousHash.bytes))
            hash.append(ByteBuffer(bytes: entry.hash.bytes))
        }
        let rows = try await connection.query("""
            WITH inserted AS (
                INSERT INTO readaudit.events (\(unescaped: columns))
                SELECT \(chain), u.seq, u.id, u.time_us, u.node, u.action, u.outcome,
                    CASE WHEN u.n & 1 = 0 THEN u.code END, CASE WHEN u.n & 2 = 0 THEN u.credential END,
                    CASE WHEN u.n & 4 = 0 THEN u.agent END, CASE WHEN u.n & 8 = 0 THEN u.interaction END,
                    CASE WHEN u.n & 16 = 0 THEN u.customer END, u.fields, u.masked,
                    CASE WHEN u.n & 32 = 0 THEN u.source END, u.genesys, u.detail, u.prev_hash, u.hash
                FROM unnest(\(seq)::int8[], \(id)::text[], \(time)::int8[], \(node)::text[], \(action)::text[], \(outcome)::text[],
                    \(code)::text[], \(credential)::text[], \(agent)::text[], \(interaction)::text[], \(customer)::text[],
                    \(fields)::text[], \(masked)::text[], \(source)::text[], \(genesys)::text[], \(detail)::text[],
                    \(previous)::bytea[], \(hash)::bytea[], \(nulls)::int4[])
                    AS u(seq, id, time_us, node, action, outcome, code, credential, agent, interaction, customer, fields, masked,
                         source, genesys, detail, prev_hash, hash, n)
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
