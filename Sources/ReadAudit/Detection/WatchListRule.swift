/// Watch list: any read attempt of a customer on the configured list (VIPs, employees, public figures), or
/// of a customer whose CRM record carries a configured flag field (`crmFields`, e.g. `vip: true`): the
/// gateway records such a read with `detail["watch"] = "crm:<field>"` (the flag's name, never a value of the
/// record). One finding per agent and customer per window.
public struct WatchListRule: DetectionRule {
    /// Settings of the watch-list rule.
    public struct Settings: Sendable, Equatable {
        public var enabled = true
        public var customers: Set<String> = []
        /// Top-level CRM fields that mark a watched customer when true, "true", "yes" or a non-zero number.
        public var crmFields: [String] = []
        public var windowSeconds: Int64 = 3600
        public init() {}
    }

    public let name = "watch_list"
    let settings: Settings
    private var cooldown = Cooldown()

    public init(_ settings: Settings) { self.settings = settings }

    public mutating func observe(_ entry: JournalEntry) -> [Finding] {
        let event = entry.event
        guard event.action == .customerRead, let customer = event.customer else { return [] }
        let flag = event.detail["watch"]
        guard settings.customers.contains(customer) || flag != nil else { return [] }
        let subject = (event.agent ?? event.credential ?? "-") + "|" + customer
        guard cooldown.admit(subject, at: event.time.microseconds, length: micros(seconds: settings.windowSeconds)) else { return [] }
        return [Finding(
            rule: name, incident: "watch_list:\(subject):\(entry.sequence)", agent: event.agent, customer: customer,
            interaction: event.interaction, credential: event.credential, windowSeconds: settings.windowSeconds, trigger: entry,
            extra: ["readOutcome": event.outcome.rawValue, "watchedBy": flag ?? "config"])]
    }
}
