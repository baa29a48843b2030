/// One agent's activity over a period: read attempts per day and per hour of the day, outcomes, the
/// customers viewed, and the alerts raised about the agent. Internal only. Pure: it renders the entries
/// it is given (every journal entry whose agent column is this agent).
public struct AgentActivityReport: Sendable {
    public var agent: String
    public var from: AuditTime?
    public var to: AuditTime?
    public var settings: ReportSettings
    /// The agent's `customer.read` attempts, in time order.
    public let reads: [JournalEntry]
    /// `alert.*` events about the agent, in time order.
    public let alerts: [JournalEntry]

    public init(agent: String, from: AuditTime?, to: AuditTime?, entries: [JournalEntry], settings: ReportSettings = ReportSettings()) {
        self.agent = agent
        self.from = from
        self.to = to
        self.settings = settings
        reads = entries.filter { $0.event.action == .customerRead }
        alerts = entries.filter { $0.event.action.rawValue.hasPrefix("alert.") }
    }

    /// One customer the agent looked at.
    public struct CustomerViewed: Sendable, Equatable {
        public var customer: String
        /// Reads served.
        public var served: Int
        /// All attempts, refused ones included.
        public var attempts: Int
        public var first: AuditTime
        public var last: AuditTime
    }

    public var name: String? { settings.directory.name(of: agent) }

    /// Attempts per UTC day, in day order.
    public var perDay: [(day: String, attempts: Int)] {
        Dictionary(grouping: reads, by: { $0.event.time.day }).map { ($0.key, $0.value.count) }.sorted { $0.day < $1.day }
    }

    /// Attempts per UTC hour of the day, 0 to 23.
    public var perHour: [Int] {
        var hours = Array(repeating: 0, count: 24)
        for entry in reads { hours[entry.event.time.hour] += 1 }
        return hours
    }

    /// Attempts per outcome, by outcome name.
    public var outcomes: [(outcome: String, count: Int)] {
        Dictionary(grouping: reads, by: { $0.event.outcome.rawValue }).map { ($0.key, $0.value.count) }.sorted { $0.outcome < $1.outcome }
    }

    /// Customers the agent asked for, most attempts first.
    public var customers: [CustomerViewed] {
        var byCustomer: [String: CustomerViewed] = [:]
        for entry in reads {
            guard let customer = entry.event.customer else { continue }
            let served = entry.event.outcome == .served ? 1 : 0
            if var seen = byCustomer[customer] {
                seen.attempts += 1
                seen.served += served
                seen.last = entry.event.time
                byCustomer[customer] = seen
            } else {
                byCustomer[customer] = CustomerViewed(
                    customer: customer, served: served, attempts: 1, first: entry.event.time, last: entry.event.time)
            }
        }
        return byCustomer.values.sorted { ($0.attempts, $1.customer) > ($1.attempts, $0.customer) }
    }

    public func render(_ format: AccessReport.Format) -> String {
        switch format {
        case .text: text
        case .csv: csv
        case .json: json
        case .html: html
        }
    }

    private var period: String {
        "from \(from?.description ?? "the beginning") to \(to?.description ?? "now")"
    }

    private var title: String {
        "Activity of agent \(agent)" + (name.map { " (\($0))" } ?? "")
    }

    private func alertRow(_ entry: JournalEntry) -> [String] {
        let e = entry.event
        return [
            e.time.description, String(e.action.rawValue.dropFirst("alert.".count)), e.customer ?? "", e.interaction ?? "",
            e.detail["incident"] ?? "", e.id.rawValue,
        ]
    }

    var text: String {
        var out = "\(title), \(period): \(reads.count) read attempt(s), \(customers.count) customer(s), \(alerts.count) alert(s).\n"
        out += "\nOutcomes: " + (outcomes.isEmpty ? "none" : outcomes.map { "\($0.outcome) \($0.count)" }.joined(separator: ", ")) + "\n"
        out += "\nPer day:\n"
        for (day, attempts) in perDay { out += "  \(day)  \(attempts)\n" }
        out += "\nPer hour (UTC):\n"
        for (hour, attempts) in perHour.enumerated() where attempts > 0 {
            out += "  \(hour < 10 ? "0" : "")\(hour):00  \(attempts)\n"
        }
        out += "\nCustomers:\n"
        for seen in customers {
            out += "  \(seen.customer)  \(seen.served) served of \(seen.attempts), \(seen.first) .. \(seen.last)\n"
        }
        out += "\nAlerts:\n"
        if alerts.isEmpty { out += "  none\n" }
        for entry in alerts {
            let row = alertRow(entry)
            out += "  \(row[0])  \(row[1])\(row[2].isEmpty ? "" : " customer \(row[2])")  event \(row[5])\n"
        }
        return out
    }

    /// One line per event (reads and alerts), for a spreadsheet.
    var csv: String {
        var out = CSVText.header(["time", "action", "customer", "interaction", "outcome", "code", "fields", "masked", "source", "event_id", "seq"])
        for entry in (reads + alerts).sorted(by: { ($0.event.time, $0.sequence) < ($1.event.time, $1.sequence) }) {
            let e = entry.event
            out += CSVText.line([
                e.time.description, e.action.rawValue, e.customer ?? "", e.interaction ?? "", e.outcome.rawValue, e.code ?? "",
                e.fields.joined(separator: " "), e.masked.joined(separator: " "), e.source ?? "", e.id.rawValue, String(entry.sequence),
            ])
        }
        return out
    }

    var json: String {
        var json = JSONText(capacity: 1024)
        json.raw("{")
        json.key("agent", first: true)
        json.string(agent)
        json.key("name")
        json.optionalString(name)
        json.key("from")
        json.optionalString(from?.description)
        json.key("to")
        json.optionalString(to?.description)
        json.key("attempts")
        json.raw(String(reads.count))
        json.key("outcomes")
        json.raw("{")
        for (index, (outcome, count)) in outcomes.enumerated() {
            json.key(outcome, first: index == 0)
            json.raw(String(count))
        }
        json.raw("}")
        json.key("perDay")
        json.raw("[")
        for (index, (day, attempts)) in perDay.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{")
            json.key("day", first: true)
            json.string(day)
            json.key("attempts")
            json.raw(String(attempts))
            json.raw("}")
        }
        json.raw("]")
        json.key("perHourUTC")
        json.raw("[" + perHour.map(String.init).joined(separator: ",") + "]")
        json.key("customers")
        json.raw("[")
        for (index, seen) in customers.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{")
            json.key("customer", first: true)
            json.string(seen.customer)
            json.key("served")
            json.raw(String(seen.served))
            json.key("attempts")
            json.raw(String(seen.attempts))
            json.key("first")
            json.string(seen.first.description)
            json.key("last")
            json.string(seen.last.description)
            json.raw("}")
        }
        json.raw("]")
        json.key("alerts")
        json.raw("[")
        for (index, entry) in alerts.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw(bytes: entry.jsonBytes)
        }
        json.raw("]}")
        return json.string + "\n"
    }

    var html: String {
        var page = HTMLPage(title: title)
        page.facts([
            ("Agent", agent), ("Name", name ?? "(no directory entry)"), ("Period", period), ("Read attempts", String(reads.count)),
            ("Customers", String(customers.count)), ("Alerts", String(alerts.count)),
        ])
        page.heading("Outcomes")
        page.table(["Outcome", "Attempts"], outcomes.map { [$0.outcome, String($0.count)] })
        page.heading("Per day")
        page.table(["Day (UTC)", "Attempts"], perDay.map { [$0.day, String($0.attempts)] })
        page.heading("Per hour of the day (UTC)")
        page.table(
            ["Hour", "Attempts"],
            perHour.enumerated().filter { $0.element > 0 }.map { ["\($0.offset < 10 ? "0" : "")\($0.offset):00", String($0.element)] })
        page.heading("Customers")
        page.table(
            ["Customer", "Served", "Attempts", "First", "Last"],
            customers.map { [$0.customer, String($0.served), String($0.attempts), $0.first.description, $0.last.description] })
        page.heading("Alerts")
        page.table(["Time (UTC)", "Rule", "Customer", "Interaction", "Incident", "Event"], alerts.map(alertRow))
        return page.html
    }
}
