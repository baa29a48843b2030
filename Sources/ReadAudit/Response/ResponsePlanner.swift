/// Settings of the automated responses (`responders:` in the configuration file).
public struct ResponseConfiguration: Sendable, Equatable {
    /// At most `max` actions of one kind per `perSeconds` of wall-clock time.
    public struct RateLimit: Sendable, Equatable {
        public var max: Int
        public var perSeconds: Int64
        public init(max: Int, perSeconds: Int64) {
            self.max = max
            self.perSeconds = perSeconds
        }
    }

    /// Rule name → responder kinds (`block`, `revoke`, `soar`) to run for its alerts.
    public var rules: [String: [String]] = [:]
    /// Per responder kind; a kind without one is limited to 20 per hour.
    public var rateLimits: [String: RateLimit] = [:]
    /// Alerts whose triggering event is older than this (wall clock) get no response: a detector catching up
    /// on old history must not block today's agents for last month.
    public var maxAlertAgeSeconds: Int64 = 3600
    /// The SOAR webhook, when configured.
    public var soar: WebhookSinkConfiguration?

    public init() {}

    /// The limit applied to `kind`.
    public func rateLimit(_ kind: String) -> RateLimit { rateLimits[kind] ?? RateLimit(max: 20, perSeconds: 3600) }
}

/// Decides which responses an alert gets: configured for its rule, once per incident and kind, within the
/// kind's rate limit, and only for fresh alerts. Pure: the caller passes the wall-clock time.
public struct ResponsePlanner: Sendable {
    /// What to do about one responder kind for one alert.
    public enum Decision: Sendable, Equatable {
        /// Run the responder.
        case perform(kind: String)
        /// Do not run it; audited as `response.<kind>` failed with this reason (`rate_limited`, `stale`).
        case refuse(kind: String, reason: String)
        /// Already done for this incident: nothing to do, nothing to record.
        case duplicate(kind: String)
    }

    let configuration: ResponseConfiguration
    private var done: Set<String> = []
    private var doneOrder = FIFO<String>()
    private var recent: [String: TimeWindow] = [:]
    private let maxRemembered: Int

    public init(_ configuration: ResponseConfiguration, maxRemembered: Int = 100_000) {
        self.configuration = configuration
        self.maxRemembered = maxRemembered
    }

    /// The decisions for an alert of `rule` about `incident`, triggered at `triggerTime`, handled at `now`.
    public mutating func plan(rule: String, incident: String, triggerTime: AuditTime, now: AuditTime) -> [Decision] {
        (configuration.rules[rule] ?? []).map { (kind: String) -> Decision in
            let key = kind + "|" + incident
            if done.contains(key) { return .duplicate(kind: kind) }
            remember(key)
            if now.microseconds - triggerTime.microseconds > micros(seconds: configuration.maxAlertAgeSeconds) {
                return .refuse(kind: kind, reason: "stale")
            }
            let limit = configuration.rateLimit(kind)
            var window = recent[kind] ?? TimeWindow()
            window.evict(before: now.microseconds, length: micros(seconds: limit.perSeconds))
            guard window.count < limit.max else {
                recent[kind] = window
                return .refuse(kind: kind, reason: "rate_limited")
            }
            window.add(now.microseconds, length: micros(seconds: limit.perSeconds))
            recent[kind] = window
            return .perform(kind: kind)
        }
    }

    /// Records that `kind` already ran for `incident` (a `response.*` event found in the journal on start).
    public mutating func markDone(kind: String, incident: String) { remember(kind + "|" + incident) }

    private mutating func remember(_ key: String) {
        guard done.insert(key).inserted else { return }
        doneOrder.append(key)
        if doneOrder.count > maxRemembered { done.remove(doneOrder.removeFirst()) }
    }
}
