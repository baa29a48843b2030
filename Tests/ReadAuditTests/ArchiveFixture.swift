import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport

/// A real SQLite journal of 1,600 reads, one every 3 hours (200 days), a manual clock at the last one, a
/// real signing keyring and an archive directory, all in a temporary directory.
struct ArchiveFixture {
    static let node = "n1"
    static let day: Duration = .seconds(86_400)

    let directory: TemporaryDirectory
    let store: JournalStore
    let clock: ManualClock
    /// Before the first event.
    let start: AuditTime
    /// Every entry committed, in sequence order.
    let entries: [JournalEntry]
    var settings: Archiver.Settings

    /// Where the `file` sink's cursor starts.
    enum Cursor {
        case head, at(Int64), none
    }

    init(events: Int = 1600, every: Duration = .seconds(3 * 3600), clock: ManualClock = ManualClock(), cursor: Cursor = .head) async throws {
        directory = try TemporaryDirectory()
        store = try JournalStore(path: directory.file("journal.sqlite"))
        self.clock = clock
        start = clock.now()
        var drafts: [AuditEventDraft] = []
        for index in 0..<events {
            clock.advance(by: every)
            drafts.append(Self.read(customer: "C-\(index % 5)", at: clock.now()))
        }
        entries = try store.commit(drafts)
        var retention = RetentionConfiguration()
        retention.hotDays = 90
        retention.keepDays = 400
        retention.maxSegmentEvents = 256
        settings = Archiver.Settings(
            retention: retention, archiveDirectory: directory.file("archive"), keysDirectory: directory.file("keys"), node: Self.node,
            consumers: ["file"])
        switch cursor {
        case .head: try await store.saveCursor(sink: "file", sequence: Int64(events), at: clock.now())
        case .at(let sequence): try await store.saveCursor(sink: "file", sequence: sequence, at: clock.now())
        case .none: break
        }
    }

    static func read(customer: String, at time: AuditTime) -> AuditEventDraft {
        AuditEventDraft(
            id: .make(at: time), time: time, node: node, action: .customerRead, outcome: .served, credential: "c", agent: TestCredentials.agentId,
            interaction: TestCredentials.interactionId, customer: customer, fields: ["name", "ssn"], masked: ["ssn"], source: "127.0.0.1")
    }

    /// One archiver run with a running journal, as the gateway or `readaudit archive` does it.
    @discardableResult
    func run(stopAfter: Archiver.Step? = nil, deleteBatch: Int = 100) async throws -> Archiver.RunReport {
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            try await Archiver(
                journal: journal, store: store, settings: settings, clock: clock, logger: Logger(label: "test"), stopAfter: stopAfter,
                deleteBatch: deleteBatch
            ).archiveNow()
        }
    }

    var archivePath: String { settings.archiveDirectory }

    func segmentPath(_ first: Int64, _ last: Int64) -> String {
        (archivePath as NSString).appendingPathComponent(ArchiveSegmentName.fileName(node: Self.node, first: first, last: last))
    }

    func publicKeys() throws -> PublicKeyring { try SigningKeyring(directory: settings.keysDirectory).publicKeys() }

    /// Hot entries of one action.
    func hot(_ action: AuditAction) async throws -> [JournalEntry] {
        try await store.entries(after: 0, limit: 1_000_000).filter { $0.event.action == action }
    }

    func time(afterDays days: Int) -> AuditTime { AuditTime(microseconds: start.microseconds + Int64(days) * 86_400_000_000) }
}
