import Foundation

/// A customer's access history, in one of two views: "who accessed this customer's record, when, which
/// fields, for which interaction, with what outcome" (internal), or what the customer is told
/// (data subject: dates, purposes, data disclosed; no employee identity, per CJEU C-579/21).
/// Pure: it renders entries it is given.
public struct AccessReport: Sendable {
    /// Who the report is for.
    public enum View: String, Sendable, CaseIterable {
        /// Compliance and security staff: every attempt, agents (and names from the directory), fields,
        /// interactions, outcomes, origins.
        case `internal`
        /// The customer: each consultation that disclosed data, by date, with its purpose and the data
        /// disclosed. Nothing identifies an employee, a credential, an interaction or a network origin.
        case dataSubject = "data-subject"
    }

    /// The output formats of reports.
    public enum Format: String, Sendable, CaseIterable {
        case text, csv, json, html
    }

    public var customer: String
    public var from: AuditTime?
    public var to: AuditTime?
    /// The customer's `customer.read` entries, in time order.
    public var entries: [JournalEntry]
    public var view: View
    public var settings: ReportSettings

    public init(
        customer: String, from: AuditTime?, to: AuditTime?, entries: [JournalEntry], view: View = .internal,
        settings: ReportSettings = ReportSettings()
    ) {
        self.customer = customer
        self.from = from
        self.to = to
        self.entries = entries
        self.view = view
        self.settings = settings
    }

    public func render(_ format: Format) -> String {
        switch view {
        case .internal: InternalAccessView(report: self).render(format)
        case .dataSubject: DataSubjectAccessView(report: self).render(format)
        }
    }

    var period: String {
        "from \(from?.description ?? "the beginning") to \(to?.description ?? "now")"
    }
}

/// The internal view: every attempt, everything the journal knows about it.
struct InternalAccessView {
    let report: AccessReport
    var entries: [JournalEntry] { report.entries }
    var directory: AgentDirectory { report.settings.directory }

    func render(_ format: AccessReport.Format) -> String {
        switch format {
        case .text: text
        case .csv: csv
        case .json: json
        case .html: html
        }
    }

    /// The CSV columns; `agent_name` is added last when a directory is configured.
    var columns: [String] {
        let base = ["time", "agent", "credential", "interaction", "outcome", "code", "fields", "masked", "source", "event_id", "seq"]
        return directory.isEmpty ? base : base + ["agent_name"]
    }

    private func row(_ entry: JournalEntry) -> [String] {
        let e = entry.event
        let cells = [
            e.time.description, e.agent ?? "", e.credential ?? "", e.interaction ?? "", e.outcome.rawValue, e.code ?? "",
            e.fields.joined(separator: " "), e.masked.joined(separator: " "), e.source ?? "", e.id.rawValue, String(entry.sequence),
        ]
        return directory.isEmpty ? cells : cells + [directory.name(of: e.agent) ?? ""]
    }

    private func agentLabel(_ agent: String?) -> String {
        guard let agent else { return "-" }
        return directory.name(of: agent).map { "\(agent) (\($0))" } ?? agent
    }

    var text: String {
        var out = "Accesses to customer \(report.customer), \(report.period): \(entries.count) attempt(s), "
        out += "\(entries.filter { $0.event.outcome == .served }.count) served.\n"
        for entry in entries {
            let e = entry.event
            out += "\n\(e.time)  \(e.outcome.rawValue)\(e.code.map { " (\($0))" } ?? "")\n"
            out += "  agent \(agentLabel(e.agent)) via \(e.credential ?? "-"), interaction \(e.interaction ?? "-"), from \(e.source ?? "-")\n"
            if !e.fields.isEmpty { out += "  fields: \(e.fields.joined(separator: ", "))\n" }
            if !e.masked.isEmpty { out += "  masked: \(e.masked.joined(separator: ", "))\n" }
            out += "  event \(e.id) (seq \(entry.sequence))\n"
        }
        return out
    }

    var csv: String {
        var out = CSVText.header(columns)
        for entry in entries { out += CSVText.line(row(entry)) }
        return out
    }

    var json: String {
        var json = JSONText(capacity: 1024)
        json.raw("{")
        json.key("view", first: true)
        json.string(AccessReport.View.internal.rawValue)
        json.key("customer")
        json.string(report.customer)
        json.key("from")
        json.optionalString(report.from?.description)
        json.key("to")
        json.optionalString(report.to?.description)
        json.key("accesses")
        json.raw("[")
        for (index, entry) in entries.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw(bytes: entry.jsonBytes)
        }
        json.raw("]")
        if !directory.isEmpty {
            var names: [String: String] = [:]
            for entry in entries {
                if let agent = entry.event.agent, let name = directory.name(of: agent) { names[agent] = name }
            }
            json.key("agentNames")
            json.stringMap(names)
        }
        json.raw("}")
        return json.string + "\n"
    }

    var html: String {
        var page = HTMLPage(title: "Access report: customer \(report.customer)")
        page.facts([
            ("Customer", report.customer),
            ("Period", report.period),
            ("Attempts", String(entries.count)),
            ("Served", String(entries.filter { $0.event.outcome == .served }.count)),
            ("View", "internal (contains employee identities; not for the data subject)"),
        ])
        page.heading("Accesses")
        page.table(
            ["Time (UTC)", "Agent", "Credential", "Interaction", "Outcome", "Fields", "Masked", "Source", "Event"],
            entries.map { entry in
                let e = entry.event
                return [
                    e.time.description, agentLabel(e.agent), e.credential ?? "", e.interaction ?? "",
                    e.outcome.rawValue + (e.code.map { " (\($0))" } ?? ""), e.fields.joined(separator: ", "),
                    e.masked.joined(separator: ", "), e.source ?? "", "\(e.id) (seq \(entry.sequence))",
                ]
            },
            empty: "No access in this period.")
        return page.html
    }
}
