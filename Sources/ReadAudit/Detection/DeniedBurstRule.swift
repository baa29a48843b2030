/// Bursts of refused attempts: `denied` or `invalid` read outcomes per agent (or, without one, per
/// credential, else per source address) reaching `threshold` within the window. One finding per subject per window.
public struct DeniedBurstRule: DetectionRule {
    /// Settings of the denied-burst rule.
    public struct Settings: Sendable, Equatable {
        public var enabled = true
        public var windowSeconds: Int64 = 300
        public var threshold = 20
        public init() {}
    }

    public let name = "denied_burst"
    let settings: Settings
    private let length: Int64
    private var windows: [String: TimeWindow] = [:]
    private var cooldown = Cooldown()
    private var sweepAt: Int64 = .min

    public init(_ settings: Settings) {
        self.settings = settings
        self.length = micros(seconds: settings.windowSeconds)
    }

    public mutating func observe(_ entry: JournalEntry) -> [Finding] {
        let event = entry.event
        guard event.action == .customerRead, event.outcome == .denied || event.outcome == .invalid else { return [] }
        let subject: String
        if let agent = event.agent { subject = "agent:" + agent }
        else if let credential = event.credential { subject = "credential:" + credential }
        else { subject = "source:" + (event.source ?? "-") }
        let time = event.time.microseconds
        if time >= sweepAt {
            sweepAt = time + length
            windows = windows.filter { _, window in var w = window; w.evict(before: time, length: length); return !w.isEmpty }
        }
        // Only the last `threshold` attempts matter (are there that many in the window?): a flood of refused
        // requests then holds `threshold` timestamps per subject, not one per attempt.
        windows[subject, default: TimeWindow(capacity: settings.threshold)].add(time, length: length)
        let count = windows[subject]!.count
        guard count >= settings.threshold, cooldown.admit(subject, at: time, length: length) else { return [] }
        return [Finding(
            rule: name, incident: "denied_burst:\(subject):\(entry.sequence)", agent: event.agent, credential: event.credential,
            windowSeconds: settings.windowSeconds, count: count, threshold: settings.threshold, trigger: entry,
            extra: ["subject": String(subject.prefix { $0 != ":" }), "lastCode": event.code ?? ""])]
    }

    /// Attempts held in the subjects' windows (for tests: memory must follow the threshold, not the traffic).
    var trackedObservations: Int { windows.values.reduce(0) { $0 + $1.count } }
}
