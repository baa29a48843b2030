import Foundation

/// "Who accessed this customer's record, when, which fields, for which interaction, with what outcome."
public struct AccessReport: Sendable {
    public var customer: String
    public var from: AuditTime?
    public var to: AuditTime?
    public var entries: [JournalEntry]

    public init(customer: String, from: AuditTime?, to: AuditTime?, entries: [JournalEntry]) {
        self.customer = customer
        self.from = from
        self.to = to
        self.entries = entries
    }

    /// The output formats of `readaudit report`.
    public enum Format: String, Sendable, CaseIterable {
        case text, csv, json
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .text: text
        case .csv: csv
        case .json: json
        }
    }

    static let columns = ["time", "agent", "credential", "interaction", "outcome", "code", "fields", "masked", "source", "event_id", "seq"]

    private func row(_ entry: JournalEntry) -> [String] {
        let e = entry.event
        return [
            e.time.description, e.agent ?? "", e.credential ?? "", e.interaction ?? "", e.outcome.rawValue, e.code ?? "",
            e.fields.joined(separator: " "), e.masked.joined(separator: " "), e.source ?? "", e.id.rawValue, String(entry.sequence),
        ]
    }

    private var period: String {
        "from \(from?.description ?? "the beginning") to \(to?.description ?? "now")"
    }

    var text: String {
        var out = "Accesses to customer \(customer), \(period): \(entries.count) attempt(s), "
        out += "\(entries.filter { $0.event.outcome == .served }.count) served.\n"
        for entry in entries {
            let e = entry.event
            out += "\n\(e.time)  \(e.outcome.rawValue)\(e.code.map { " (\($0))" } ?? "")\n"
            out += "  agent \(e.agent ?? "-") via \(e.credential ?? "-"), interaction \(e.interaction ?? "-"), from \(e.source ?? "-")\n"
            if !e.fields.isEmpty { out += "  fields: \(e.fields.joined(separator: ", "))\n" }
            if !e.masked.isEmpty { out += "  masked: \(e.masked.joined(separator: ", "))\n" }
            out += "  event \(e.id) (seq \(entry.sequence))\n"
        }
        return out
    }

    var csv: String {
        func cell(_ value: String) -> String {
            // Quote always; neutralise spreadsheet formulas.
            var value = value
            if let first = value.first, "=+-@".contains(first) { value = "'" + value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var out = Self.columns.joined(separator: ",") + "\r\n"
        for entry in entries { out += row(entry).map(cell).joined(separator: ",") + "\r\n" }
        return out
    }

    var json: String {
        var json = JSONText(capacity: 1024)
        json.raw("{")
        json.key("customer", first: true)
        json.string(customer)
        json.key("from")
        json.optionalString(from?.description)
        json.key("to")
        json.optionalString(to?.description)
        json.key("accesses")
        json.raw("[")
        for (index, entry) in entries.enumerated() {
            if index > 0 { json.raw(",") }
            json.bytesAppend(entry.jsonBytes)
        }
        json.raw("]}")
        return json.string + "\n"
    }
}

extension JSONText {
    mutating func bytesAppend(_ other: [UInt8]) { raw(bytes: other) }
}
