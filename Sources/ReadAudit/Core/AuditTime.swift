import Foundation

/// A wall-clock instant with microsecond precision, as the journal stores and hashes it.
public struct AuditTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public init(_ date: Date) {
        self.microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    public static func < (lhs: AuditTime, rhs: AuditTime) -> Bool { lhs.microseconds < rhs.microseconds }

    /// RFC 3339 in UTC with six fractional digits, e.g. `2026-11-29T06:01:02.123456Z`.
    public var description: String {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        let micros = microseconds - seconds * 1_000_000
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let s = String(value)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let fraction = String(micros)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z"
    }

    /// Parses a date (`2026-11-29`, midnight UTC) or an RFC 3339 timestamp with a `Z` or numeric offset.
    public init?(parsing text: String) {
        let dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/
        if let m = text.wholeMatch(of: dateOnly) {
            var parts = tm()
            parts.tm_year = Int32(m.1)! - 1900
            parts.tm_mon = Int32(m.2)! - 1
            parts.tm_mday = Int32(m.3)!
            guard (1...12).contains(parts.tm_mon + 1), (1...31).contains(parts.tm_mday) else { return nil }
            self.microseconds = Int64(timegm(&parts)) * 1_000_000
            return
        }
        let stamp = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/
        guard let m = text.wholeMatch(of: stamp) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(m.1)! - 1900
        parts.tm_mon = Int32(m.2)! - 1
        parts.tm_mday = Int32(m.3)!
        parts.tm_hour = Int32(m.4)!
        parts.tm_min = Int32(m.5)!
        parts.tm_sec = Int32(m.6)!
        var micros: Int64 = 0
        if let fraction = m.7 {
            let digits = String(fraction.prefix(6))
            micros = Int64(digits + String(repeating: "0", count: 6 - digits.count))!
        }
        var offsetSeconds: Int64 = 0
        let zone = String(m.8)
        if zone != "Z" && zone != "z" {
            let sign: Int64 = zone.hasPrefix("-") ? -1 : 1
            let hours = Int64(zone.dropFirst().prefix(2))!
            let minutes = Int64(zone.suffix(2))!
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        self.microseconds = (Int64(timegm(&parts)) - offsetSeconds) * 1_000_000 + micros
    }
}

/// Source of wall-clock time, injected so tests control it.
public protocol WallClock: Sendable {
    func now() -> AuditTime
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> AuditTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return AuditTime(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000)
    }
}
