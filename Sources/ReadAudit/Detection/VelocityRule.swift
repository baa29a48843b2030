/// Velocity: an agent reading far more distinct customers than a human would, in a sliding window.
///
/// Fires when the distinct customers an agent read in the last `window` reach the absolute `threshold`, or,
/// once the agent has a learned baseline, `baselineMultiple` times their usual reads per window (never below
/// `baselineMinimum`). The baseline is the mean number of reads (not distinct customers: cheaper, and never
/// lower) in the agent's past active fixed windows. One finding per agent per window.
///
/// Memory: each agent's window keeps only its `threshold` most recently read distinct customers (any baseline
/// threshold is lower), so a credential reading thousands of customers a second costs what a slow one does.
/// A finding's `count` is the distinct customers in the window counted up to `threshold`.
public struct VelocityRule: DetectionRule {
    /// Thresholds of the velocity rule.
    public struct Settings: Sendable, Equatable {
        public var enabled = true
        public var windowSeconds: Int64 = 600
        public var threshold = 200
        /// 0 turns the baseline comparison off.
        public var baselineMultiple: Double = 10
        public var baselineMinimum = 50
        /// Past active windows needed before the baseline counts.
        public var baselineWindows = 3
        public init() {}
    }

    private struct Baseline: Sendable {
        var bucket: Int64 = .min
        var readsInBucket = 0
        var windows = 0
        var totalReads = 0
        var mean: Double { windows == 0 ? 0 : Double(totalReads) / Double(windows) }
    }

    public let name = "velocity"
    let settings: Settings
    private let length: Int64
    private var windows: [String: RecentDistinct<String>] = [:]
    private var baselines: [String: Baseline] = [:]
    private var cooldown = Cooldown()
    private var sweepAt: Int64 = .min

    public init(_ settings: Settings) {
        self.settings = settings
        self.length = micros(seconds: settings.windowSeconds)
    }

    public mutating func observe(_ entry: JournalEntry) -> [Finding] {
        let event = entry.event
        guard event.action == .customerRead, event.outcome == .served, let agent = event.agent, let customer = event.customer
        else { return [] }
        let time = event.time.microseconds
        sweep(at: time)
        let learned = learn(agent: agent, at: time)
        var window = windows.removeValue(forKey: agent) ?? RecentDistinct(capacity: settings.threshold)
        window.add(customer, at: time)
        let distinct = window.distinct(at: time, length: length)
        windows[agent] = window

        var threshold = settings.threshold
        var reason = "absolute"
        if settings.baselineMultiple > 0, learned.windows >= settings.baselineWindows {
            let relative = max(settings.baselineMinimum, Int((learned.mean * settings.baselineMultiple).rounded(.up)))
            if relative < threshold {
                threshold = relative
                reason = "baseline"
            }
        }
        guard distinct >= threshold, cooldown.admit(agent, at: time, length: length) else { return [] }
        return [Finding(
            rule: name, incident: "velocity:agent:\(agent):\(entry.sequence)", agent: agent,
            windowSeconds: settings.windowSeconds, count: distinct, threshold: threshold, trigger: entry,
            extra: ["thresholdKind": reason, "baselineReadsPerWindow": String(Int(learned.mean.rounded()))])]
    }

    /// Counts the read in the agent's fixed window; returns the baseline as it stood before this window.
    private mutating func learn(agent: String, at time: Int64) -> Baseline {
        var baseline = baselines[agent] ?? Baseline()
        let bucket = time / length
        if bucket != baseline.bucket {
            if baseline.readsInBucket > 0 {
                baseline.windows += 1
                baseline.totalReads += baseline.readsInBucket
            }
            baseline.bucket = bucket
            baseline.readsInBucket = 0
        }
        let before = baseline
        baseline.readsInBucket += 1
        baselines[agent] = baseline
        return before
    }

    /// Observations held in the agents' windows (for tests: memory must follow the threshold, not the traffic).
    var trackedObservations: Int { windows.values.reduce(0) { $0 + $1.count } }

    /// Drops the windows of agents idle for a whole window, so memory follows active agents (baselines stay).
    private mutating func sweep(at time: Int64) {
        guard time >= sweepAt else { return }
        sweepAt = time + length
        windows = windows.filter { _, window in !window.isEmpty(at: time, length: length) }
    }
}
