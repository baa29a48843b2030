import HTTPTypes
import Hummingbird

/// `/admin/v1/events`, `/admin/v1/alerts` and `/admin/v1/reports/...`: the journal, asked by customer,
/// agent or interaction over a period, page by page or as a report. Each request is one `admin.request`
/// event (through `AdminGate`) before its answer.
struct AdminQueryController: Sendable {
    let gate: AdminGate
    let store: JournalStore
    let settings: ReportSettings
    /// Archive and journal together for reports (the paginated `/events` and `/alerts` read the hot journal);
    /// every node's events in PostgreSQL in multi-node mode.
    let trail: any AuditTrailReading

    /// The formats of `/events` and `/alerts`.
    enum ExportFormat: String, CaseIterable {
        case json, csv
    }

    /// The subject parameters: exactly one is required by `/events`.
    static let subjects = ["customer", "agent", "interaction"]

    /// The query as recorded: identifiers (from the path, else the query) in the event's columns, the rest in `detail`.
    private func recorded(_ operation: String, _ parameters: AdminParameters, customer: String? = nil, agent: String? = nil) -> AdminQuery {
        AdminQuery(
            operation, customer: customer ?? parameters["customer"], agent: agent ?? parameters["agent"],
            interaction: parameters["interaction"], parameters: parameters.all.filter { !Self.subjects.contains($0.key) })
    }

    /// `<kind>.export` for a CSV download, `<kind>.<read>` otherwise, so exports stand out in the journal.
    private static func operation(_ kind: String, _ read: String, _ parameters: AdminParameters) -> String {
        parameters["format"] == ExportFormat.csv.rawValue ? "\(kind).export" : "\(kind).\(read)"
    }

    func events(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: Set(Self.subjects + ["from", "to", "action", "cursor", "limit", "format"]))
        return await gate.handle(request, context: context, query: recorded(Self.operation("events", "query", parameters), parameters), permission: .events) {
            try parameters.check()
            let given = Self.subjects.filter { parameters[$0] != nil }
            guard given.count == 1, let name = given.first, let value = parameters[name] else {
                throw GatewayError(.invalidFormat, "Give exactly one of customer, agent or interaction.", field: given.count > 1 ? given[1] : "customer")
            }
            let id = try AdminParameters.identifier(value, field: name)
            let subject: JournalQuery.Subject = name == "customer" ? .customer(id) : name == "agent" ? .agent(id) : .interaction(id)
            let (from, to) = try parameters.period()
            let action = try Self.actionFilter(parameters["action"])
            let cursor = try parameters.cursor()
            let limit = try parameters.limit()
            let format = try parameters.choice("format", ExportFormat.allCases, standard: .json)
            let page = try await trail.page(JournalQuery(subject: subject, action: action, from: from, to: to), after: cursor, limit: limit)
            return Self.answer(page, key: "events", format: format, filename: "readaudit-events.csv")
        }
    }

    func alerts(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: ["agent", "from", "to", "cursor", "limit", "format"])
        return await gate.handle(request, context: context, query: recorded(Self.operation("alerts", "list", parameters), parameters), permission: .alerts) {
            try parameters.check()
            let subject = try parameters["agent"].map { value throws(GatewayError) in
                JournalQuery.Subject.agent(try AdminParameters.identifier(value, field: "agent"))
            }
            let (from, to) = try parameters.period()
            let cursor = try parameters.cursor()
            let limit = try parameters.limit()
            let format = try parameters.choice("format", ExportFormat.allCases, standard: .json)
            let query = JournalQuery(subject: subject ?? .any, action: .prefix("alert."), from: from, to: to)
            let page = try await trail.page(query, after: cursor, limit: limit)
            return Self.answer(page, key: "alerts", format: format, filename: "readaudit-alerts.csv")
        }
    }

    func customerReport(_ request: Request, context: AuthenticatedContext) async -> Response {
        let raw = context.parameters.get("customerId") ?? ""
        let customer = raw.removingPercentEncoding ?? raw
        let parameters = AdminParameters(request, allowed: ["from", "to", "view", "format"])
        let query = recorded("reports.customer", parameters, customer: customer)
        return await gate.handle(request, context: context, query: query, permission: .reports) {
            try parameters.check()
            let id = try AdminParameters.identifier(customer, field: "customerId")
            let (from, to) = try parameters.period()
            let view = try parameters.choice("view", AccessReport.View.allCases, standard: .internal)
            let format = try parameters.choice("format", AccessReport.Format.allCases, standard: .json)
            // Reports cover the whole trail: archived segments and the hot journal.
            let entries = try await trail.accesses(customer: id, from: from, to: to)
            let report = AccessReport(customer: id, from: from, to: to, entries: entries, view: view, settings: settings)
            var answer = Self.answer(report.render(format), format: format, filename: "readaudit-customer-report")
            answer.detail = ["rows": String(entries.count), "view": view.rawValue, "format": format.rawValue]
            return answer
        }
    }

    func agentReport(_ request: Request, context: AuthenticatedContext) async -> Response {
        let raw = context.parameters.get("agentId") ?? ""
        let agent = raw.removingPercentEncoding ?? raw
        let parameters = AdminParameters(request, allowed: ["from", "to", "format"])
        let query = recorded("reports.agent", parameters, agent: agent)
        return await gate.handle(request, context: context, query: query, permission: .agentActivity) {
            try parameters.check()
            let id = try AdminParameters.identifier(agent, field: "agentId")
            let (from, to) = try parameters.period()
            let format = try parameters.choice("format", AccessReport.Format.allCases, standard: .json)
            let entries = try await trail.entries(matching: .agentActivity(id), from: from, to: to)
            let report = AgentActivityReport(agent: id, from: from, to: to, entries: entries, settings: settings)
            var answer = Self.answer(report.render(format), format: format, filename: "readaudit-agent-report")
            answer.detail = ["rows": String(report.reads.count + report.alerts.count), "format": format.rawValue]
            return answer
        }
    }

    /// `action=customer.read` is one action; `action=alert.*` every action starting with `alert.`.
    static func actionFilter(_ text: String?) throws(GatewayError) -> JournalQuery.ActionFilter? {
        guard let text else { return nil }
        let name = text.hasSuffix(".*") ? String(text.dropLast()) : text
        guard (1...64).contains(name.utf8.count),
            name.utf8.allSatisfy({ b in (97...122).contains(b) || (48...57).contains(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") })
        else {
            throw GatewayError(.invalidFormat, "action must be an action name (customer.read) or a prefix ending in .* (alert.*).", field: "action")
        }
        return text.hasSuffix(".*") ? .prefix(name) : .exactly(name)
    }

    static let nextCursorHeader = HTTPField.Name("ReadAudit-Next-Cursor")!

    /// A page as `{"<key>": [export objects], "nextCursor": ...}` or as CSV with the cursor in a header.
    static func answer(_ page: JournalPage, key: String, format: ExportFormat, filename: String) -> AdminAnswer {
        var headers: HTTPFields = [:]
        if let next = page.next { headers[nextCursorHeader] = next.token }
        let detail = ["rows": String(page.entries.count), "format": format.rawValue]
        switch format {
        case .json:
            var json = JSONText(capacity: 256 + page.entries.count * 512)
            json.raw("{")
            json.key(key, first: true)
            json.raw("[")
            for (index, entry) in page.entries.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw(bytes: entry.jsonBytes)
            }
            json.raw("]")
            json.key("nextCursor")
            json.optionalString(page.next?.token)
            json.raw("}")
            return AdminAnswer(body: json.string, headers: headers, detail: detail)
        case .csv:
            headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
            return AdminAnswer(body: EventCSV.render(page.entries), contentType: "text/csv; charset=utf-8", headers: headers, detail: detail)
        }
    }

    /// A rendered report with the content type (and, for CSV, the download name) of its format.
    static func answer(_ body: String, format: AccessReport.Format, filename: String) -> AdminAnswer {
        switch format {
        case .json: return AdminAnswer(body: body)
        case .text: return AdminAnswer(body: body, contentType: "text/plain; charset=utf-8")
        case .csv:
            return AdminAnswer(
                body: body, contentType: "text/csv; charset=utf-8",
                headers: [.contentDisposition: "attachment; filename=\"\(filename).csv\""])
        case .html:
            // The page has no script and no external asset; the policy makes sure of it in the browser.
            return AdminAnswer(
                body: body, contentType: "text/html; charset=utf-8",
                headers: [.contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'"])
        }
    }
}
