/// Settings of the detector and its rules (`detection:` in the configuration file).
public struct DetectionConfiguration: Sendable, Equatable {
    /// Whether the detector runs at all.
    public var enabled: Bool = true
    /// Entries replayed before the persisted cursor on start, to rebuild the rules' window state.
    public var lookbackEvents: Int = 100_000
    public var velocity = VelocityRule.Settings()
    public var snooping = SnoopingRule.Settings()
    public var watchList = WatchListRule.Settings()
    public var afterHours = AfterHoursRule.Settings()
    public var sharedCustomer = SharedCustomerRule.Settings()
    public var deniedBurst = DeniedBurstRule.Settings()

    public init() {}

    /// The enabled rules, in a fixed order (so findings of one entry come out in the same order every time).
    public func makeRules() -> [any DetectionRule] {
        var rules: [any DetectionRule] = []
        if velocity.enabled { rules.append(VelocityRule(velocity)) }
        if snooping.enabled { rules.append(SnoopingRule(snooping)) }
        if watchList.enabled && !(watchList.customers.isEmpty && watchList.crmFields.isEmpty) { rules.append(WatchListRule(watchList)) }
        if afterHours.enabled && !afterHours.agents.isEmpty { rules.append(AfterHoursRule(afterHours)) }
        if sharedCustomer.enabled { rules.append(SharedCustomerRule(sharedCustomer)) }
        if deniedBurst.enabled { rules.append(DeniedBurstRule(deniedBurst)) }
        return rules
    }
}
