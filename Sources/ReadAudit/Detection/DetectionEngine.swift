/// The detector's pure core: runs every rule over each entry, skips the detector's own events, and raises
/// each incident at most once, including incidents an earlier run already recorded as alerts.
public struct DetectionEngine: Sendable {
    private var rules: [any DetectionRule]
    /// Incident keys already alerted, with the event time they were recorded at (evicted after `memory`).
    private var alerted: [String: Int64] = [:]
    private var alertedOrder = FIFO<(Int64, String)>()
    private let memory: Int64

    /// An engine over `rules`; incident keys are remembered for `memorySeconds` of event time.
    public init(rules: [any DetectionRule], memorySeconds: Int64 = 7 * 86_400) {
        self.rules = rules
        self.memory = micros(seconds: memorySeconds)
    }

    /// An engine with the rules `configuration` enables.
    public init(_ configuration: DetectionConfiguration) {
        self.init(rules: configuration.makeRules())
    }

    /// True for events the detector or its responders wrote: never input to the rules.
    public static func isOwn(_ event: AuditEventDraft) -> Bool {
        event.detail["source"] == Finding.detectorSource
            && (event.action.rawValue.hasPrefix("alert.") || event.action.rawValue.hasPrefix("response."))
    }

    /// Findings that `entry` completes and that were not alerted before.
    public mutating func observe(_ entry: JournalEntry) -> [Finding] {
        let event = entry.event
        if Self.isOwn(event) {
            if event.action.rawValue.hasPrefix("alert."), let incident = event.detail["incident"] {
                remember(incident, at: event.time.microseconds)
            }
            return []
        }
        var findings: [Finding] = []
        for index in rules.indices {
            for finding in rules[index].observe(entry) where alerted[finding.incident] == nil {
                remember(finding.incident, at: event.time.microseconds)
                findings.append(finding)
            }
        }
        return findings
    }

    /// Records an incident as alerted (the shell calls it for alerts found ahead of its cursor on start).
    public mutating func remember(_ incident: String, at time: Int64) {
        if alerted.updateValue(time, forKey: incident) == nil { alertedOrder.append((time, incident)) }
        while let (at, key) = alertedOrder.first, at < time - memory {
            _ = alertedOrder.removeFirst()
            if alerted[key] == at { alerted[key] = nil }
        }
    }
}
