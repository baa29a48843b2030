/// One customer viewed across many unrelated interactions: reads of one customer under at least
/// `threshold` distinct interactions, by at least two distinct agents, within the window. Whether two
/// interactions are related is not in the journal; distinct interaction ids by different agents stand in
/// for it. One finding per customer per window.
public struct SharedCustomerRule: DetectionRule {
    /// Settings of the shared-customer rule.
    public struct Settings: Sendable, Equatable {
        public var enabled = true
        public var windowSeconds: Int64 = 86_400
        public var threshold = 5
        public init() {}
    }

    /// Per customer, only what the decision needs: the `threshold` most recent distinct interactions and the
    /// two most recent distinct agents, so memory stays bounded by customers, not by reads.
    private struct State: Sendable {
        var interactions: RecentDistinct<String>
        var agents = RecentDistinct<String>(capacity: 2)
    }

    public let name = "shared_customer"
    let settings: Settings
    private let length: Int64
    private var customers: [String: State] = [:]
    private var cooldown = Cooldown()
    private var sweepAt: Int64 = .min

    public init(_ settings: Settings) {
        self.settings = settings
        self.length = micros(seconds: settings.windowSeconds)
    }

    public mutating func observe(_ entry: JournalEntry) -> [Finding] {
        let event = entry.event
        guard event.action == .customerRead, event.outcome == .served, let customer = event.customer,
            let interaction = event.interaction, let agent = event.agent
        else { return [] }
        let time = event.time.microseconds
        if time >= sweepAt {
            sweepAt = time + length
            let length = length
            customers = customers.filter { _, state in !state.interactions.isEmpty(at: time, length: length) }
        }
        var state = customers.removeValue(forKey: customer) ?? State(interactions: RecentDistinct(capacity: settings.threshold))
        state.interactions.add(interaction, at: time)
        state.agents.add(agent, at: time)
        let count = state.interactions.distinct(at: time, length: length)
        let agents = state.agents.distinct(at: time, length: length)
        customers[customer] = state
        guard count >= settings.threshold, agents >= 2, cooldown.admit(customer, at: time, length: length) else { return [] }
        return [Finding(
            rule: name, incident: "shared_customer:customer:\(customer):\(entry.sequence)", agent: agent, customer: customer,
            interaction: interaction, windowSeconds: settings.windowSeconds, count: count, threshold: settings.threshold,
            trigger: entry, extra: ["distinctAgents": String(agents)])]
    }
}
