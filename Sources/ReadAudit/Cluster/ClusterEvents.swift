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

    /// Inserts `entries` of `chain`'s journal in one statement: each column travels as one binary array
    /// (`ColumnArray`) that the server `unnest`s into rows, so neither side parses or escapes anything.
    ///
    /// The key is the event id. `skippingDuplicates: false` is the fast path, for a batch none of whose
    /// events PostgreSQL holds yet: a batch that repeats one (re-sent after a commit whose answer was lost)
    /// fails whole with a unique violation, and the caller ships it again with `skippingDuplicates: true`
    /// (`ON CONFLICT DO NOTHING`, which costs the server a check per row), so a re-sent batch never
    /// duplicates.
    static func insert(
        _ entries: [JournalEntry], chain: String, skippingDuplicates: Bool, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let rows = entries.count
        var sequence = ColumnArray.int8(capacity: rows), time = ColumnArray.int8(capacity: rows)
        var id = ColumnArray.text(capacity: rows, bytesPerElement: 36)
        var node = ColumnArray.text(capacity: rows), action = ColumnArray.text(capacity: rows)
        var outcome = ColumnArray.text(capacity: rows), code = ColumnArray.text(capacity: rows)
        var credential = ColumnArray.text(capacity: rows), agent = ColumnArray.text(capacity: rows, bytesPerElement: 36)
        var interaction = ColumnArray.text(capacity: rows, bytesPerElement: 36), customer = ColumnArray.text(capacity: rows)
        var fields = ColumnArray.text(capacity: rows, bytesPerElement: 64), masked = ColumnArray.text(capacity: rows)
        var source = ColumnArray.text(capacity: rows), genesys = ColumnArray.text(capacity: rows, bytesPerElement: 96)
        var detail = ColumnArray.text(capacity: rows)
        var previousHash = ColumnArray.bytea(capacity: rows), hash = ColumnArray.bytea(capacity: rows)
        for entry in entries {
            let e = entry.event
            sequence.append(entry.sequence)
            id.append(e.id.rawValue)
            time.append(e.time.microseconds)
            node.append(e.node)
            action.append(e.action.rawValue)
            outcome.append(e.outcome.rawValue)
            code.append(e.code)
            credential.append(e.credential)
            agent.append(e.agent)
            interaction.append(e.interaction)
            customer.append(e.customer)
            // The list and map columns: the same JSON text the local journal stores.
            fields.append(list: e.fields)
            masked.append(list: e.masked)
            source.append(e.source)
            genesys.append(map: e.genesys)
            detail.append(map: e.detail)
            previousHash.append(entry.previousHash)
            hash.append(entry.hash)
        }
        let conflict = skippingDuplicates ? " ON CONFLICT DO NOTHING" : ""
        try await connection.query("""
            INSERT INTO readaudit.events (\(unescaped: columns))
            SELECT \(chain), u.* FROM unnest(\(sequence), \(id), \(time), \(node), \(action), \(outcome), \(code),
                \(credential), \(agent), \(interaction), \(customer), \(fields), \(masked), \(source), \(genesys),
                \(detail), \(previousHash), \(hash)) AS u\(unescaped: conflict)
            """, logger: logger)
    }
}
