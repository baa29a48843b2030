/// When an append counts as recorded: on the disk (fsync), or in the kernel with the disk a few milliseconds behind.
public enum JournalDurability: Sendable, Equatable {
    /// Every commit is fsync'd before any appender resumes (`synchronous=FULL`): survives a power cut. The default.
    case fsync
    /// Every commit reaches the kernel (the WAL file's page cache) before any appender resumes, and a
    /// background thread fsyncs the WAL within `syncInterval` (`synchronous=NORMAL`): survives a crash or
    /// SIGKILL of the process, but a power cut or kernel panic can lose up to `syncInterval` of events.
    case os(syncInterval: Duration)

    /// The default interval of `os` mode's background fsync.
    public static let defaultSyncInterval: Duration = .milliseconds(10)

    /// The `PRAGMA synchronous` level this mode runs the writer connection at (2 = FULL, 1 = NORMAL).
    public var synchronousLevel: Int {
        switch self {
        case .fsync: 2
        case .os: 1
        }
    }

    /// The configuration word: `fsync` or `os`.
    public var name: String {
        switch self {
        case .fsync: "fsync"
        case .os: "os"
        }
    }
}
