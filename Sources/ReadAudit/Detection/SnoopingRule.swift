/// Snooping: views with no verified interaction behind them.
///
/// Sources, all from the journal (the detector never calls Genesys):
/// - a `customer.read` whose `detail["interactionVerified"]` is `no` (the gateway's inline check failed);
/// - the gateway's own `alert.interaction_not_verified` and `alert.agent_mismatch` events;
/// - a read recorded `unknown` (Genesys could not be asked) that later evidence shows was unrelated: the
///   same agent is later refused or flagged on that same interaction within `resolveSeconds`. A later
///   `yes` for the same agent and interaction clears it. A pending `unknown` read that nothing resolves is
///   dropped, or reported with `verification: unresolved` when `alertUnresolved` is set.
///
/// One finding per agent and interaction per window.
public struct SnoopingRule: DetectionRule {
    /// Settings of the snooping rule.
    public struct Settings: Sendable, Equatable {
        public var enabled = true
        /// How long an `unknown` read waits for evidence, and the per-incident cooldown.
        public var resolveSeconds: Int64 = 1800
        /// Report unknown reads that nothing resolved (noisy during a Genesys outage).
        public var alertUnresolved = false
        public init() {}
    }

    private struct Pending: Sendable {
        var entry: JournalEntry
        var agent: String
        var interaction: String
    }

    public let name = "snooping"
    let settings: Settings
    private let length: Int64
    /// Unknown reads by agent+interaction key, oldest first in `order`.
    private var pending: [String: [Pending]] = [:]
    private var order = FIFO<(Int64, String)>()
    private var cooldown = Cooldown()

    public init(_ settings: Settings) {
        self.settings = settings
        self.length = micros(seconds: settings.resolveSeconds)
    }

    static let gatewayAlerts: Set<String> = ["alert.interaction_not_verified", "alert.agent_mismatch"]

    public mutating func observe(_ entry: JournalEntry) -> [Finding] {
        let event = entry.event
        let time = event.time.microseconds
        var findings = expire(at: time)
        guard let agent = event.agent else { return findings }
        let interaction = event.interaction ?? ""
        let key = agent + "|" + interaction
        let verified = event.action == .customerRead ? event.detail["interactionVerified"] : nil
        let failedCheck = verified == "no" || Self.gatewayAlerts.contains(event.action.rawValue)
            || (event.action == .customerRead && (event.code == "interaction_not_verified" || event.code == "agent_mismatch"))
        if failedCheck {
            let kind = event.action == .customerRead ? (event.code ?? "interaction_not_verified") : String(event.action.rawValue.dropFirst(6))
            if cooldown.admit(key, at: time, length: length) {
                findings.append(finding(entry, agent: agent, interaction: interaction, verification: "no", kind: kind))
            }
            // Earlier unknown reads on this interaction by this agent were unrelated too.
            for earlier in pending.removeValue(forKey: key) ?? [] {
                findings.append(finding(
                    earlier.entry, agent: agent, interaction: interaction, verification: "unknown_then_no", kind: kind,
                    incidentSuffix: ":resolved"))
            }
        } else if verified == "yes" {
            pending[key] = nil
        } else if verified == "unknown", event.action == .customerRead {
            pending[key, default: []].append(Pending(entry: entry, agent: agent, interaction: interaction))
            order.append((time, key))
        }
        return findings
    }

    private func finding(
        _ entry: JournalEntry, agent: String, interaction: String, verification: String, kind: String, incidentSuffix: String = ""
    ) -> Finding {
        Finding(
            rule: name, incident: "snooping:agent:\(agent):\(entry.sequence)\(incidentSuffix)", agent: agent,
            customer: entry.event.customer, interaction: interaction.isEmpty ? nil : interaction,
            windowSeconds: settings.resolveSeconds, trigger: entry, extra: ["verification": verification, "check": kind])
    }

    /// Drops (or reports) unknown reads older than the resolve window.
    private mutating func expire(at time: Int64) -> [Finding] {
        var findings: [Finding] = []
        while let (at, key) = order.first, at <= time - length {
            _ = order.removeFirst()
            guard var list = pending[key], let first = list.first, first.entry.event.time.microseconds == at else { continue }
            list.removeFirst()
            pending[key] = list.isEmpty ? nil : list
            if settings.alertUnresolved {
                findings.append(finding(first.entry, agent: first.agent, interaction: first.interaction, verification: "unresolved", kind: "unknown"))
            }
        }
        return findings
    }
}
