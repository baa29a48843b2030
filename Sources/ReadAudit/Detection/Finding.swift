/// What a detection rule found: one incident, stated from the journal's own facts (never customer data values).
///
/// Everything in it derives from the input entries, so replaying the same journal yields equal findings.
public struct Finding: Sendable, Equatable {
    /// The rule's name, as in `alert.<rule>` (`velocity`, `snooping`, ...).
    public var rule: String
    /// A deterministic key naming the incident (`velocity:agent:<id>:<seq>`): alerts and responses are keyed by it.
    public var incident: String
    public var agent: String?
    public var customer: String?
    public var interaction: String?
    public var credential: String?
    /// The window the rule counted over, in seconds (0 when the rule does not count).
    public var windowSeconds: Int64
    /// What the rule counted in the window.
    public var count: Int
    /// The threshold that `count` reached.
    public var threshold: Int
    /// The entry that triggered the finding.
    public var triggerSequence: Int64
    public var triggerEventId: String
    /// The triggering event's own time (event time, never the wall clock).
    public var triggerTime: AuditTime
    /// Rule-specific facts (`baseline`, `team`, `verification`...), never customer data values.
    public var extra: [String: String]

    public init(
        rule: String, incident: String, agent: String? = nil, customer: String? = nil, interaction: String? = nil,
        credential: String? = nil, windowSeconds: Int64 = 0, count: Int = 1, threshold: Int = 1, trigger: JournalEntry,
        extra: [String: String] = [:]
    ) {
        self.rule = rule
        self.incident = incident
        self.agent = agent
        self.customer = customer
        self.interaction = interaction
        self.credential = credential
        self.windowSeconds = windowSeconds
        self.count = count
        self.threshold = threshold
        self.triggerSequence = trigger.sequence
        self.triggerEventId = trigger.event.id.rawValue
        self.triggerTime = trigger.event.time
        self.extra = extra
    }

    /// The journal action of this finding's alert.
    public var action: AuditAction { AuditAction(rawValue: "alert." + rule) }

    /// The alert event recording this finding. Its content derives from the finding alone; only `id` and
    /// `time` (when it was raised) come from the caller.
    public func alertDraft(id: EventID, time: AuditTime, node: String) -> AuditEventDraft {
        var detail = extra
        detail["source"] = Finding.detectorSource
        detail["rule"] = rule
        detail["incident"] = incident
        detail["windowSeconds"] = String(windowSeconds)
        detail["count"] = String(count)
        detail["threshold"] = String(threshold)
        detail["triggerSeq"] = String(triggerSequence)
        detail["triggerEventId"] = triggerEventId
        detail["triggerTime"] = triggerTime.description
        return AuditEventDraft(
            id: id, time: time, node: node, action: action, outcome: .failed, code: rule, credential: credential,
            agent: agent, interaction: interaction, customer: customer, detail: detail)
    }

    /// `detail["source"]` of every event the detector writes, so it can recognise (and skip) its own.
    public static let detectorSource = "detector"
}

/// A detection rule: a pure state machine over the journal, evaluated on event time.
///
/// `observe` sees every entry once, in sequence order, and returns the incidents that entry completes. A rule
/// raises one finding per incident (its own cooldown), and evicts window state it no longer needs.
public protocol DetectionRule: Sendable {
    /// The rule's name, as in `alert.<name>`.
    var name: String { get }
    /// Takes in one entry; returns what it completes.
    mutating func observe(_ entry: JournalEntry) -> [Finding]
}
