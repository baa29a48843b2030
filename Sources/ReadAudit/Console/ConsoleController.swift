import Foundation
import HTTPTypes
import Hummingbird

/// The web console's pages (issue 9): server-rendered HTML over the same ports and the same door as the
/// admin API. Every page that shows audit data goes through `AdminGate`: the role is checked, one
/// `admin.request` event (operation `console.<page>`, credential `admin:<name>`, the query asked) is
/// recorded, and only then is the page sent.
struct ConsoleController: Sendable {
    let gate: AdminGate
    let sessions: ConsoleSessions
    let authenticator: CallerAuthenticator
    let store: JournalStore
    let trail: any AuditTrailReading
    let settings: ReportSettings
    let denyList: any AgentDenyList
    let verifier: any JournalVerifying
    let sinks: SinkMonitor
    /// Secure cookies: the listener serving the console has TLS.
    let secureCookies: Bool
    let guards: RequestGuards?
    /// How often the alerts page refreshes itself.
    var pollMilliseconds = 5000
    var recorder: EventRecorder { gate.recorder }

    /// The pages, in the navigation's order, with the permission each needs.
    static let pages: [(page: String, label: String, permission: AdminPermission)] = [
        ("customers", "Customer access", .reports), ("agents", "Agent activity", .agentActivity), ("alerts", "Alerts", .alerts),
        ("deny-list", "Deny list", .denyList), ("integrity", "Integrity", .verification), ("sinks", "Sinks", .alerts),
    ]

    /// The session of a request that passed `ConsoleSessionMiddleware`.
    func session(_ request: Request) -> ConsoleSession? {
        ConsoleCookie.value(ConsoleCookie.session, in: request).flatMap(sessions.touch)
    }

    /// What every signed-in page shows: navigation for the role, who is signed in, the form token.
    func frame(_ page: String, title: String, _ request: Request) -> [String: Any] {
        var context: [String: Any] = ["page": page, "title": title]
        guard let session = session(request) else { return context }
        context["user"] = session.name
        context["role"] = session.role.rawValue
        context["csrf"] = session.csrfToken
        context["nav"] = Self.pages.filter { session.role.allows($0.permission) }.map { entry -> [String: Any] in
            ["href": "/console/\(entry.page)", "label": entry.label, "current": entry.page == page]
        }
        if let done = request.uri.queryParameters.get("done") { context["notice"] = Self.notices[done] }
        return context
    }

    static let notices = [
        "blocked": "The agent is blocked: their next read is refused.", "unblocked": "The agent is unblocked.",
        "acknowledged": "The alert is acknowledged; the acknowledgement is recorded.", "verified": "The chain was verified just now; the result is below.",
    ]

    static func page(_ html: String, detail: [String: String] = [:]) -> AdminAnswer {
        AdminAnswer(body: html, contentType: "text/html; charset=utf-8", detail: detail)
    }

    /// `/console`: the first page the role may see.
    func index(_ request: Request, context: AuthenticatedContext) async -> Response {
        let role = session(request)?.role
        let first = Self.pages.first { entry in role?.allows(entry.permission) == true }
        return ConsoleResponse.redirect("/console/\(first?.page ?? "sinks")")
    }

    // MARK: Customer access history

    func customers(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: ["customer", "view", "done"])
        let query = AdminQuery("console.customers", customer: parameters["customer"], parameters: parameters.all.filter { $0.key != "customer" })
        return await gate.handle(request, context: context, query: query, permission: .reports) {
            try parameters.check()
            let view = try parameters.choice("view", AccessReport.View.allCases, standard: .internal)
            var page = frame("customers", title: "Customer access history", request)
            page["internal"] = view == .internal
            page["dataSubject"] = view == .dataSubject
            guard let raw = parameters["customer"] else { return Self.page(ConsoleTemplates.render("customers", page)) }
            let customer = try AdminParameters.identifier(raw, field: "customer")
            let entries = try await trail.accesses(customer: customer, from: nil, to: nil)
            let report = AccessReport(customer: customer, from: nil, to: nil, entries: entries, view: view, settings: settings)
            let other: AccessReport.View = view == .internal ? .dataSubject : .internal
            let encoded = ConsoleForm.queryValue(customer)
            page["searched"] = true
            page["customer"] = customer
            page["switchHref"] = "/console/customers?customer=\(encoded)&view=\(other.rawValue)"
            page["switchLabel"] = view == .internal ? "Switch to the data-subject view" : "Switch to the internal view"
            page["csvHref"] = "/console/customers/export?customer=\(encoded)&view=\(view.rawValue)"
            let mayViewAgents = session(request)?.role.allows(.agentActivity) == true
            switch view {
            case .internal:
                page["count"] = entries.count
                page["served"] = entries.filter { $0.event.outcome == .served }.count
                page["rows"] = entries.map { entry -> [String: Any] in
                    let e = entry.event
                    var row: [String: Any] = [
                        "time": e.time.description, "agent": settings.directory.name(of: e.agent).map { "\(e.agent ?? "") (\($0))" } ?? e.agent ?? "-",
                        "interaction": e.interaction ?? "-", "fields": e.fields.joined(separator: ", "),
                        "outcome": e.outcome.rawValue + (e.code.map { " (\($0))" } ?? ""), "outcomeClass": e.outcome == .served ? "good" : "bad",
                        "credential": e.credential ?? "-", "source": e.source ?? "-", "sequence": String(entry.sequence),
                    ]
                    if !e.masked.isEmpty { row["masked"] = e.masked.joined(separator: ", ") }
                    if mayViewAgents, let agent = e.agent { row["agentHref"] = "/console/agents?agent=\(ConsoleForm.queryValue(agent))" }
                    return row
                }
            case .dataSubject:
                let consultations = DataSubjectAccessView(report: report).consultations
                page["count"] = consultations.count
                page["consultations"] = consultations.map { ["date": $0.date, "purpose": $0.purpose, "data": $0.data.joined(separator: ", ")] }
            }
            return Self.page(ConsoleTemplates.render("customers", page), detail: ["rows": String(entries.count), "view": view.rawValue])
        }
    }

    func customersExport(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: ["customer", "view"])
        let query = AdminQuery(
            "console.customers.export", customer: parameters["customer"], parameters: parameters.all.filter { $0.key != "customer" })
        return await gate.handle(request, context: context, query: query, permission: .reports) {
            try parameters.check()
            let customer = try AdminParameters.identifier(parameters["customer"] ?? "", field: "customer")
            let view = try parameters.choice("view", AccessReport.View.allCases, standard: .internal)
            let entries = try await trail.accesses(customer: customer, from: nil, to: nil)
            let report = AccessReport(customer: customer, from: nil, to: nil, entries: entries, view: view, settings: settings)
            return AdminAnswer(
                body: report.render(.csv), contentType: "text/csv; charset=utf-8",
                headers: [.contentDisposition: "attachment; filename=\"readaudit-customer-\(view.rawValue).csv\""],
                detail: ["rows": String(entries.count), "view": view.rawValue, "format": "csv"])
        }
    }

    // MARK: Agent activity

    func agents(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: ["agent"])
        let query = AdminQuery("console.agents", agent: parameters["agent"])
        return await gate.handle(request, context: context, query: query, permission: .agentActivity) {
            try parameters.check()
            var page = frame("agents", title: "Agent activity", request)
            guard let raw = parameters["agent"] else { return Self.page(ConsoleTemplates.render("agents", page)) }
            let agent = try AdminParameters.identifier(raw, field: "agent")
            let entries = try await trail.entries(matching: .agentActivity(agent), from: nil, to: nil)
            let report = AgentActivityReport(agent: agent, from: nil, to: nil, entries: entries, settings: settings)
            let role = session(request)?.role
            page["searched"] = true
            page["agent"] = agent
            if let name = report.name { page["name"] = name }
            page["attempts"] = report.reads.count
            page["customerCount"] = report.customers.count
            page["alertCount"] = report.alerts.count
            page["blocked"] = denyList.isBlocked(agent) ? "yes" : "no"
            let hours = report.perHour
            let highest = max(1, hours.max() ?? 1)
            page["bars"] = hours.enumerated().map { hour, count -> [String: Any] in
                let height = count == 0 ? 0 : max(2, count * 120 / highest)
                return [
                    "x": 4 + hour * 20, "y": 130 - height, "height": height, "hour": hour < 10 ? "0\(hour)" : "\(hour)", "count": count,
                    "label": hour % 3 == 0, "labelX": 6 + hour * 20,
                ]
            }
            page["chartSummary"] = "Busiest hour: " + (hours.max().map { top in "\(hours.firstIndex(of: top) ?? 0):00 UTC with \(top) read(s)" } ?? "none")
            page["customers"] = report.customers.map { seen -> [String: Any] in
                var row: [String: Any] = [
                    "customer": seen.customer, "served": seen.served, "attempts": seen.attempts, "first": seen.first.description,
                    "last": seen.last.description,
                ]
                if role?.allows(.reports) == true { row["href"] = "/console/customers?customer=\(ConsoleForm.queryValue(seen.customer))" }
                return row
            }
            page["alerts"] = report.alerts.reversed().map { entry -> [String: Any] in
                var row: [String: Any] = [
                    "time": entry.event.time.description, "rule": String(entry.event.action.rawValue.dropFirst("alert.".count)),
                    "customer": entry.event.customer ?? "-", "sequence": String(entry.sequence),
                ]
                if role?.allows(.alerts) == true { row["evidenceHref"] = "/console/alerts/evidence?event=\(entry.event.id.rawValue)" }
                return row
            }
            return Self.page(ConsoleTemplates.render("agents", page), detail: ["rows": String(entries.count)])
        }
    }

    // MARK: Sinks

    func sinksPage(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: [])
        return await gate.handle(request, context: context, query: AdminQuery("console.sinks"), permission: .alerts) {
            try parameters.check()
            let head = try await store.headSequence()
            var page = frame("sinks", title: "Sinks", request)
            page["head"] = head
            page["sinks"] = sinks.all.sorted { $0.key < $1.key }.map { name, status -> [String: Any] in
                [
                    "name": name, "state": status.health.rawValue, "cursor": status.cursor, "lag": max(0, head - status.cursor),
                    "lastError": status.lastError ?? "-",
                    "stateClass": status.health == .healthy ? "good" : status.health == .retrying ? "warn" : "bad",
                ]
            }
            return Self.page(ConsoleTemplates.render("sinks", page))
        }
    }
}
