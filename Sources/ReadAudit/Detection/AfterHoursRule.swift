import Foundation

/// After hours: reads by an agent outside their team's working hours, in the team's IANA time zone.
///
/// Configuration maps agents to teams and teams to weekday hours; a per-agent schedule is a team of one.
/// Agents without a team are not checked. One finding per agent per window.
public struct AfterHoursRule: DetectionRule {
    /// A team's working week: hours per weekday in a time zone.
    public struct Schedule: Sendable, Equatable {
        /// An IANA time zone name (`Europe/Berlin`).
        public var timeZone: String
        /// Working intervals in minutes after local midnight, per weekday (0 = Monday ... 6 = Sunday);
        /// a day absent or empty is off.
        public var hours: [Int: [Range<Int>]]
        public init(timeZone: String, hours: [Int: [Range<Int>]]) {
            self.timeZone = timeZone
            self.hours = hours
        }
    }

    /// Settings of the after-hours rule.
    public struct Settings: Sendable, Equatable {
        public var enabled = true
        public var windowSeconds: Int64 = 3600
        public var teams: [String: Schedule] = [:]
        /// Agent id → team name.
        public var agents: [String: String] = [:]
        public init() {}
    }

    public let name = "after_hours"
    let settings: Settings
    private let zones: [String: TimeZone]
    /// Offset from UTC per zone and UTC hour, so the time zone database is asked once an hour, not per read.
    private var offsets: [String: (hour: Int64, seconds: Int64)] = [:]
    private var cooldown = Cooldown()

    public init(_ settings: Settings) {
        self.settings = settings
        var zones: [String: TimeZone] = [:]
        for (team, schedule) in settings.teams { zones[team] = TimeZone(identifier: schedule.timeZone) }
        self.zones = zones
    }

    public mutating func observe(_ entry: JournalEntry) -> [Finding] {
        let event = entry.event
        guard event.action == .customerRead, let agent = event.agent, let team = settings.agents[agent],
            let schedule = settings.teams[team], let zone = zones[team]
        else { return [] }
        let utcSeconds = Int64((Double(event.time.microseconds) / 1_000_000).rounded(.down))
        let hour = utcSeconds / 3600
        let offset: Int64
        if let cached = offsets[team], cached.hour == hour { offset = cached.seconds } else {
            offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds))))
            offsets[team] = (hour, offset)
        }
        let local = utcSeconds + offset
        let day = Int64((Double(local) / 86_400).rounded(.down))
        let weekday = Int(((day + 3) % 7 + 7) % 7)  // 1970-01-01 was a Thursday; 0 = Monday
        let minute = Int((local - day * 86_400) / 60)
        if schedule.hours[weekday]?.contains(where: { $0.contains(minute) }) == true { return [] }
        guard cooldown.admit(agent, at: event.time.microseconds, length: micros(seconds: settings.windowSeconds)) else { return [] }
        return [Finding(
            rule: name, incident: "after_hours:agent:\(agent):\(entry.sequence)", agent: agent, customer: event.customer,
            interaction: event.interaction, windowSeconds: settings.windowSeconds, trigger: entry,
            extra: ["team": team, "timeZone": schedule.timeZone, "localWeekday": Self.dayNames[weekday],
                    "localMinute": String(minute)])]
    }

    /// Weekday keys as the configuration spells them, Monday first.
    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
}
