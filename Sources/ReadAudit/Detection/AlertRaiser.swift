import Logging

/// Records a finding's alert in the journal, then runs and audits the responses its rule is configured for:
/// the shell shared by a node's own detector and the cross-node one (`ClusterDetector`).
struct AlertRaiser: Sendable {
    let journal: any AuditJournal
    let responders: [String: any Responder]
    let node: String
    let clock: any WallClock
    let logger: Logger

    init(journal: any AuditJournal, responders: [any Responder], node: String, clock: any WallClock, logger: Logger) {
        self.journal = journal
        self.responders = Dictionary(responders.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        self.node = node
        self.clock = clock
        self.logger = logger
    }

    /// Appends `alert` (the finding's `alertDraft`); nil when the journal refused it (logged).
    func record(_ alert: AuditEventDraft, finding: Finding) async -> JournalEntry? {
        let entry: JournalEntry
        do {
            entry = try await journal.append(alert)
        } catch {
            logger.error("Could not record an alert in the journal", metadata: ["rule": "\(finding.rule)", "error": "\(error)"])
            return nil
        }
        logger.warning("Detection rule raised an alert", metadata: [
            "rule": "\(finding.rule)", "event.id": "\(entry.event.id)", "trigger.seq": "\(finding.triggerSequence)",
            "count": "\(finding.count)", "threshold": "\(finding.threshold)",
        ])
        return entry
    }

    /// Runs the responses `planner` decides on for `alert`, each recorded as a `response.<kind>` event.
    func respond(to alert: JournalEntry, finding: Finding, planner: inout ResponsePlanner) async {
        for decision in planner.plan(rule: finding.rule, incident: finding.incident, triggerTime: finding.triggerTime, now: clock.now()) {
            switch decision {
            case .duplicate:
                continue
            case .refuse(let kind, let reason):
                logger.warning("Automated response withheld", metadata: ["kind": "\(kind)", "reason": "\(reason)", "alert": "\(alert.event.id)"])
                await record(kind: kind, alert: alert, finding: finding, outcome: .failed, detail: ["reason": reason])
            case .perform(let kind):
                guard let responder = responders[kind] else {
                    logger.error("No responder of this kind is configured", metadata: ["kind": "\(kind)"])
                    await record(kind: kind, alert: alert, finding: finding, outcome: .failed, detail: ["reason": "not_configured"])
                    continue
                }
                do {
                    let facts = try await responder.respond(to: alert)
                    await record(kind: kind, alert: alert, finding: finding, outcome: .ok, detail: facts)
                } catch {
                    logger.error("Automated response failed", metadata: ["kind": "\(kind)", "alert": "\(alert.event.id)", "error": "\(error)"])
                    await record(kind: kind, alert: alert, finding: finding, outcome: .failed, detail: [
                        "reason": "error", "error": String("\(error)".prefix(300)),
                    ])
                }
            }
        }
    }

    /// Appends `response.<kind>`: every automated response is itself audited (DESIGN guarantee 7).
    private func record(kind: String, alert: JournalEntry, finding: Finding, outcome: AuditOutcome, detail: [String: String]) async {
        var detail = detail
        detail["source"] = Finding.detectorSource
        detail["kind"] = kind
        detail["incident"] = finding.incident
        detail["rule"] = finding.rule
        detail["alertEventId"] = alert.event.id.rawValue
        detail["alertSeq"] = String(alert.sequence)
        let now = clock.now()
        do {
            _ = try await journal.append(AuditEventDraft(
                id: .make(at: now), time: now, node: node, action: AuditAction(rawValue: "response." + kind), outcome: outcome,
                agent: finding.agent, detail: detail))
        } catch {
            logger.error("Could not record an automated response in the journal", metadata: ["kind": "\(kind)", "error": "\(error)"])
        }
    }
}
