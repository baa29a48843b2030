import Foundation

extension ReadAuditConfiguration {
    /// Applies `retention:` (documented in readaudit.example.yaml). Unknown keys are errors.
    mutating func applyRetention(_ top: YAMLMap) throws {
        guard let map = try top.map("retention") else { return }
        try map.allowOnly(["enabled", "hotDays", "keepDays", "archiveDirectory", "intervalMinutes", "minSegmentEvents", "maxSegmentEvents"])
        if let value = try map.bool("enabled") { retention.enabled = value }
        if let value = try map.positive("hotDays") { retention.hotDays = value }
        if let value = try map.positive("keepDays") { retention.keepDays = value }
        if let value = try map.string("archiveDirectory") { retention.archiveDirectory = value }
        if let value = try map.positive("intervalMinutes") { retention.interval = .seconds(value * 60) }
        if let value = try map.positive("minSegmentEvents") { retention.minSegmentEvents = value }
        if let value = try map.positive("maxSegmentEvents") { retention.maxSegmentEvents = value }
        try retention.validate()
    }

    /// Absolute path of the archive segments' directory.
    public var archivePath: String { resolve(retention.archiveDirectory) }
}
