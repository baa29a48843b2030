/// Watch list: any read attempt of a customer on the configured list (VIPs, employees, public figures).
///
/// The list comes from configuration only: a VIP flag held in a CRM field is out of reach, because events
/// record field names, never values. One finding per agent and customer per window.
public struct WatchListRule: DetectionRule {
    /// Settings of the watch-list rule.
    public struct Settings: Sendable, Equatable {
        public var enabled = true
        public var customers: Set<String> = []
        public var windowSeconds: Int64 = 3600
        public init() {}
    }

    public let name = "watch_list"
    let settings: Settings
    private var cooldown = Cooldown()

    public init(_ settings: Settings) { self.settings = settings }

    public mutating func observe(_ entry: JournalEntry) -> [Finding] {
        let event = entry.event
        guard event.action == .customerRead, let customer = event.customer, settings.customers.contains(customer) else { return [] }
        let subject = (event.agent ?? event.credential ?? "-") + "|" + customer
        guard cooldown.admit(subject, at: event.time.microseconds, length: micros(seconds: settings.windowSeconds)) else { return [] }
        return [Finding(
            rule: name, incident: "watch_list:\(subject):\(entry.sequence)", agent: event.agent, customer: customer,
            interaction: event.interaction, credential: event.credential, windowSeconds: settings.windowSeconds, trigger: entry,
            extra: ["readOutcome": event.outcome.rawValue])]
    }
}
