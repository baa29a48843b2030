import Foundation
import GRDB
import HTTPTypes
import Hummingbird

extension AuditAction {
    /// A console user acknowledged an alert (`detail.alertEventId`). Not `alert.*`: it is no new alert.
    public static let alertAcknowledged = AuditAction(rawValue: "audit.alert_acknowledged")
}

extension JournalStore {
    /// The entry with event id `id`, or nil.
    public func entry(id: String) async throws -> JournalEntry? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM events WHERE id = ?", arguments: [id]).map(Self.entry(from:))
        }
    }
}

/// The alerts page, its JSON feed (polled by the page), acknowledgement, and an alert's evidence.
extension ConsoleController {
    /// How far back the alerts page looks.
    static let alertDays = 30

    /// Recent alerts, newest first, each with who acknowledged it (if anyone).
    func recentAlerts() async throws -> [[String: Any]] {
        let since = AuditTime(microseconds: recorder.clock.now().microseconds - Int64(Self.alertDays) * 86_400_000_000)
        let alerts = try await store.all(JournalQuery(subject: .any, action: .prefix("alert."), from: since)).suffix(200).reversed()
        var acknowledged: [String: String] = [:]
        for ack in try await store.all(JournalQuery(subject: .any, action: .exactly(AuditAction.alertAcknowledged.rawValue), from: since)) {
            if let id = ack.event.detail["alertEventId"] { acknowledged[id] = ack.event.credential ?? "?" }
        }
        return alerts.map { entry -> [String: Any] in
            let e = entry.event
            var row: [String: Any] = [
                "id": e.id.rawValue, "time": e.time.description, "rule": String(e.action.rawValue.dropFirst("alert.".count)),
                "agent": e.agent ?? "-", "customer": e.customer ?? "-", "sequence": String(entry.sequence),
                "agentHref": "/console/agents?agent=\(ConsoleForm.queryValue(e.agent ?? ""))",
                "evidenceHref": "/console/alerts/evidence?event=\(e.id.rawValue)",
            ]
            if let by = acknowledged[e.id.rawValue] { row["acknowledgedBy"] = by }
            return row
        }
    }

    func alertsPage(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: ["done"])
        return await gate.handle(request, context: context, query: AdminQuery("console.alerts"), permission: .alerts) {
            try parameters.check()
            let alerts = try await recentAlerts()
            var page = frame("alerts", title: "Alerts", request)
            page["alerts"] = alerts
            page["hasAlerts"] = !alerts.isEmpty
            page["days"] = Self.alertDays
            page["now"] = recorder.clock.now().description
            page["pollMilliseconds"] = pollMilliseconds
            page["pollSeconds"] = max(1, pollMilliseconds / 1000)
            return Self.page(ConsoleTemplates.render("alerts", page), detail: ["rows": String(alerts.count)])
        }
    }

    /// `/console/alerts.json`: what the page's script polls; each poll is recorded like a page view.
    func alertsFeed(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: [])
        return await gate.handle(request, context: context, query: AdminQuery("console.alerts.poll"), permission: .alerts) {
            try parameters.check()
            let alerts = try await recentAlerts()
            var json = JSONText(capacity: 256 + alerts.count * 256)
            json.raw("{")
            json.key("now", first: true)
            json.string(recorder.clock.now().description)
            json.key("alerts")
            json.raw("[")
            for (index, alert) in alerts.enumerated() {
                if index > 0 { json.raw(",") }
                json.stringMap(alert.compactMapValues { $0 as? String })
            }
            json.raw("]}")
            return AdminAnswer(body: json.string, detail: ["rows": String(alerts.count)])
        }
    }

    func acknowledge(_ request: Request, context: AuthenticatedContext) async -> Response {
        let form = await ConsoleForm.read(request)
        let id = String((form?["event"] ?? "").prefix(64))
        return await gate.handle(
            request, context: context, query: AdminQuery("console.alerts.acknowledge", parameters: ["alertEventId": id]), permission: .alerts
        ) {
            try checkToken(form, request)
            guard let alert = try await store.entry(id: id), alert.event.action.rawValue.hasPrefix("alert.") else {
                throw GatewayError(.invalidFormat, "No such alert.", field: "event")
            }
            var event = recorder.draft(.alertAcknowledged, request: request, source: context.sourceAddress, credential: "admin:\(context.caller.name)")
            event.outcome = .ok
            event.agent = alert.event.agent
            event.detail = ["alertEventId": alert.event.id.rawValue, "alertSeq": String(alert.sequence), "rule": alert.event.action.rawValue]
            _ = try await recorder.record(event)
            return AdminAnswer(status: .seeOther, body: "", contentType: "text/plain", headers: [.location: "/console/alerts?done=acknowledged"])
        }
    }

    /// One event in full (an alert, or the read that triggered it), with how to prove it offline.
    func evidence(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: ["event"])
        let query = AdminQuery("console.evidence", parameters: parameters.all)
        return await gate.handle(request, context: context, query: query, permission: .alerts) {
            try parameters.check()
            let id = try AdminParameters.identifier(parameters["event"] ?? "", field: "event")
            guard let entry = try await store.entry(id: id) else { throw GatewayError(.invalidFormat, "No such event.", field: "event") }
            let e = entry.event
            var facts: [(String, String)] = [
                ("Event", e.id.rawValue), ("Entry", String(entry.sequence)), ("Time (UTC)", e.time.description), ("Node", e.node),
                ("Action", e.action.rawValue), ("Outcome", e.outcome.rawValue + (e.code.map { " (\($0))" } ?? "")),
                ("Agent", e.agent ?? "-"), ("Customer", e.customer ?? "-"), ("Interaction", e.interaction ?? "-"),
                ("Credential", e.credential ?? "-"), ("Fields", e.fields.joined(separator: ", ")),
            ]
            facts += e.detail.sorted { $0.key < $1.key }.map { ("detail." + $0.key, $0.value) }
            facts += [("Previous hash", entry.previousHash.hex), ("Hash", entry.hash.hex)]
            var page = frame("evidence", title: "Evidence: entry \(entry.sequence)", request)
            page["id"] = e.id.rawValue
            page["facts"] = facts.map { ["label": $0.0, "value": $0.1] }
            if let trigger = e.detail["triggerEventId"] { page["triggerHref"] = "/console/alerts/evidence?event=\(ConsoleForm.queryValue(trigger))" }
            if let agent = e.agent { page["agentHref"] = "/console/agents?agent=\(ConsoleForm.queryValue(agent))" }
            return Self.page(ConsoleTemplates.render("evidence", page))
        }
    }
}
