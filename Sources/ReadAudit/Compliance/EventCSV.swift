/// Journal entries as CSV, one line per event with the export's keys as columns (`genesys` and `detail`
/// as JSON objects in one cell), for `GET /admin/v1/events?format=csv` and `/alerts`.
enum EventCSV {
    static let columns = [
        "seq", "id", "time", "node", "action", "outcome", "code", "credential", "agent", "interaction", "customer", "fields", "masked",
        "source", "genesys", "detail", "prevHash", "hash",
    ]

    static func render(_ entries: [JournalEntry]) -> String {
        var out = CSVText.header(columns)
        for entry in entries {
            let e = entry.event
            var genesys = JSONText(capacity: 64)
            genesys.stringMap(e.genesys)
            var detail = JSONText(capacity: 64)
            detail.stringMap(e.detail)
            out += CSVText.line([
                String(entry.sequence), e.id.rawValue, e.time.description, e.node, e.action.rawValue, e.outcome.rawValue, e.code ?? "",
                e.credential ?? "", e.agent ?? "", e.interaction ?? "", e.customer ?? "", e.fields.joined(separator: " "),
                e.masked.joined(separator: " "), e.source ?? "", genesys.string, detail.string, entry.previousHash.hex, entry.hash.hex,
            ])
        }
        return out
    }
}
