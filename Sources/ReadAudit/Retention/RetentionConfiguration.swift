/// How long the journal keeps events hot (in SQLite), and how long archive segments are kept before they
/// are purged (`retention:` in the configuration; documented in readaudit.example.yaml).
///
/// PCI DSS 10.5.1 asks for at least 12 months of audit history with the last 3 months immediately
/// available: `keepDays` ≥ 365 with `hotDays` ≥ 90.
public struct RetentionConfiguration: Sendable, Equatable {
    /// Archiving and purging run at all (the archiver service, `readaudit archive`).
    public var enabled = true
    /// Events younger than this stay in the journal's SQLite file.
    public var hotDays = 90
    /// Archive segments whose newest event is older than this are deleted (purged).
    public var keepDays = 400
    /// Where segment files go, relative to the data directory unless absolute.
    public var archiveDirectory = "archive"
    /// How often the gateway's archiver runs.
    public var interval: Duration = .seconds(60 * 60)
    /// The fewest events worth one new segment (rounded up to a multiple of 256 in effect).
    public var minSegmentEvents = 256
    /// The most events in one segment (a multiple of 256): a large backlog becomes several segments.
    public var maxSegmentEvents = 1 << 20

    public init() {}

    /// Refuses settings that could lose history or never archive.
    public func validate() throws {
        guard hotDays >= 1 else { throw ConfigurationError("retention.hotDays must be at least 1") }
        guard keepDays >= hotDays else {
            throw ConfigurationError("retention.keepDays must be at least retention.hotDays (PCI DSS needs keepDays ≥ 365 with hotDays ≥ 90)")
        }
        guard minSegmentEvents >= 1 else { throw ConfigurationError("retention.minSegmentEvents must be at least 1") }
        guard maxSegmentEvents >= 256, maxSegmentEvents % 256 == 0 else {
            throw ConfigurationError("retention.maxSegmentEvents must be a multiple of 256")
        }
        guard interval > .zero else { throw ConfigurationError("retention.intervalMinutes must be positive") }
        guard !archiveDirectory.isEmpty else { throw ConfigurationError("retention.archiveDirectory must not be empty") }
    }
}
