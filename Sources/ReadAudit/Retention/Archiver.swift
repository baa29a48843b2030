import Foundation
import Logging
import ServiceLifecycle

/// Moves events older than the hot window out of the journal into signed, compressed segment files, and
/// deletes segments older than `keepDays`. Runs every `retention.interval` in the gateway, and on demand
/// (`archiveNow`, `readaudit archive`).
///
/// A segment ends on a multiple of 256 entries, at or below the slowest consumer's cursor and before the
/// hot window, so every 256-leaf Merkle chunk is wholly hot or wholly archived (proofs of hot entries never
/// need archived leaves; the stored tree nodes stay). Each segment is sealed by a checkpoint also published
/// as an `audit.checkpoint` event; every archive and purge is an `audit.archive` / `audit.purge` event.
///
/// Crash safety: a segment is written (temporary file, fsync, rename, fsync of the directory), read back
/// and verified, then recorded in `archive_segments`, and only then are its rows deleted (the DELETE
/// trigger refuses any row no recorded segment holds). Every run first finishes what a previous one left:
/// an unrecorded file is verified and adopted (or set aside), a recorded segment's remaining rows are
/// deleted, and a missing event is appended once (its id is chosen and stored before it is appended).
public final class Archiver: Service, Sendable {
    /// What the archiver needs from the configuration.
    public struct Settings: Sendable {
        public var retention: RetentionConfiguration
        /// Absolute path of the segment files' directory.
        public var archiveDirectory: String
        /// Absolute path of the checkpoint signing keyring.
        public var keysDirectory: String
        public var node: String
        /// Cursors every archived entry must be behind: each configured sink's and the detector's. One
        /// without a cursor yet holds everything back.
        public var consumers: [String]
        /// Who archives, recorded as the events' credential (`cli:<user>` for the command line).
        public var credential: String?

        public init(
            retention: RetentionConfiguration, archiveDirectory: String, keysDirectory: String, node: String, consumers: [String],
            credential: String? = nil
        ) {
            self.retention = retention
            self.archiveDirectory = archiveDirectory
            self.keysDirectory = keysDirectory
            self.node = node
            self.consumers = consumers
            self.credential = credential
        }

        /// The settings a configuration implies: its archive and key directories, every sink, and the
        /// detector when detection is on. In multi-node mode, the cluster's `postgres` sink instead of the
        /// node's own detector (the cross-node one reads PostgreSQL, which the postgres cursor covers).
        public init(configuration: ReadAuditConfiguration, credential: String? = nil) {
            let cluster = configuration.cluster != nil
            let detector = configuration.detection.enabled && !cluster ? [Detector.cursorName] : []
            self.init(
                retention: configuration.retention, archiveDirectory: configuration.archivePath, keysDirectory: configuration.keysPath,
                node: configuration.node,
                consumers: configuration.sinks.map(\.name) + (cluster ? [PostgresSink.cursorName] : []) + detector,
                credential: credential)
        }
    }

    /// The points between durable steps, where a crash may stop a run (for crash-safety tests).
    public enum Step: String, Sendable, CaseIterable {
        case checkpointPublished, fileWritten, recorded, firstBatchDeleted, eventsDeleted, purgeMarked
    }

    /// Thrown at `stopAfter`, standing in for a crash there.
    public struct SimulatedCrash: Error, Sendable, Equatable {
        public var step: Step
        public init(step: Step) { self.step = step }
    }

    /// What one run did.
    public struct RunReport: Sendable {
        public var archived: [ArchiveSegmentRecord] = []
        public var purged: [ArchiveSegmentRecord] = []
        /// Another archiver held the directory's lock; nothing was done.
        public var busy = false
        /// Why nothing more was archived (the hot window, a cursor, too few events).
        public var heldBack: String?
    }

    public let settings: Settings
    private let journal: any AuditJournal
    private let store: JournalStore
    private let clock: any WallClock
    private let logger: Logger
    private let stopAfter: Step?
    private let deleteBatch: Int

    /// - Parameters:
    ///   - stopAfter: for crash-safety tests: end the run with `SimulatedCrash` right after this step.
    ///   - deleteBatch: rows deleted per write transaction (short, so the journal's writer never waits long).
    public init(
        journal: any AuditJournal, store: JournalStore, settings: Settings, clock: any WallClock, logger: Logger,
        stopAfter: Step? = nil, deleteBatch: Int = 2000
    ) {
        self.journal = journal
        self.store = store
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.stopAfter = stopAfter
        self.deleteBatch = max(1, deleteBatch)
    }

    private var keyring: SigningKeyring { SigningKeyring(directory: settings.keysDirectory) }

    public func run() async throws {
        logger.info("Archiver started", metadata: [
            "hotDays": "\(settings.retention.hotDays)", "keepDays": "\(settings.retention.keepDays)",
            "directory": "\(settings.archiveDirectory)",
        ])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await archiveNow()
            } catch {
                logger.error(
                    "Archiving failed; the events stay in the journal and the next run retries. Check the archive directory and the keys.",
                    metadata: ["error": "\(error)"])
            }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: self.settings.retention.interval) }
                group.addTask { try? await gracefulShutdown() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// One run: finish an interrupted one, archive what is due, purge what has expired.
    @discardableResult
    public func archiveNow() async throws -> RunReport {
        var report = RunReport()
        let directory = settings.archiveDirectory
        try ArchiveFiles.prepare(directory: directory)
        guard let lock = try ArchiveLock.acquire(directory: directory) else {
            logger.info("Another archiver is running on this journal; skipping this run")
            report.busy = true
            return report
        }
        defer { lock.release() }
        for temporary in ArchiveFiles.temporaryFiles(in: directory) { try ArchiveFiles.remove(temporary) }
        try await recover()
        while !Task.isShuttingDownGracefully {
            let (plan, reason) = try await nextPlan(now: clock.now())
            guard let plan else {
                report.heldBack = reason
                break
            }
            report.archived.append(try await archive(plan))
        }
        report.purged = try await purge(now: clock.now())
        return report
    }

    // MARK: Planning

    struct Plan {
        var first: Int64
        var last: Int64
        var previous: ArchiveChainState
        /// An unrecorded segment file a previous run wrote for this range.
        var existing: String?
    }

    private static let microsPerDay: Int64 = 86_400 * 1_000_000

    /// The slowest consumer's cursor and its name (`Int64.max` when none is configured).
    private func consumerLimit() async throws -> (Int64, String) {
        let cursors = try await store.cursors()
        var limit = Int64.max
        var reason = ""
        for name in settings.consumers {
            let cursor = cursors[name] ?? 0
            if cursor < limit {
                limit = cursor
                reason = cursors[name] == nil ? "\(name) has not recorded a cursor yet" : "\(name)'s cursor is at \(cursor)"
            }
        }
        return (limit, reason)
    }

    /// The next segment due, or nil and why not.
    func nextPlan(now: AuditTime) async throws -> (Plan?, String) {
        let records = try await store.archiveSegments()
        let previous = records.last?.end ?? .genesis
        let through = previous.sequence
        let head = try await store.headSequence()
        var limit = head - 1
        var reason = "the chain head stays in the journal"
        let cutoff = AuditTime(microseconds: now.microseconds - Int64(settings.retention.hotDays) * Self.microsPerDay)
        let firstHot = try await store.firstSequence(after: through, notBefore: cutoff) ?? head + 1
        if firstHot - 1 < limit {
            limit = firstHot - 1
            reason = "entries after \(limit) are younger than \(settings.retention.hotDays) days"
        }
        let (cursorLimit, cursorReason) = try await consumerLimit()
        if cursorLimit < limit {
            limit = cursorLimit
            reason = cursorReason
        }
        limit = limit / 256 * 256
        if limit > through + Int64(settings.retention.maxSegmentEvents) {
            limit = through + Int64(settings.retention.maxSegmentEvents)
        }
        guard limit - through >= max(1, Int64(settings.retention.minSegmentEvents)) else {
            return (nil, "\(max(0, limit - through)) entries are due, fewer than minSegmentEvents (\(settings.retention.minSegmentEvents)): \(reason)")
        }
        var plan = Plan(first: through + 1, last: limit, previous: previous)
        // A file a previous run wrote but did not record.
        for path in try ArchiveSegmentName.files(in: settings.archiveDirectory) {
            guard let range = ArchiveSegmentName.range(of: (path as NSString).lastPathComponent), range.first == plan.first else { continue }
            if range.last <= limit && range.last % 256 == 0 {
                plan.last = range.last
                plan.existing = path
            } else {
                let aside = try ArchiveFiles.setAside(path, at: now)
                logger.warning("An unrecorded segment file does not fit this run; set aside", metadata: ["file": "\(aside)"])
            }
            break
        }
        return (plan, reason)
    }

    // MARK: Archiving

    private func step(_ step: Step) throws {
        if step == stopAfter { throw SimulatedCrash(step: step) }
    }

    private func archive(_ plan: Plan) async throws -> ArchiveSegmentRecord {
        let now = clock.now()
        var segment: VerifiedSegment?
        if let existing = plan.existing {
            let result = ArchiveVerification.verify(segmentFile: existing, publicKeys: try keyring.publicKeys())
            if let candidate = result.segment, try await confirm(candidate, previous: plan.previous) == nil {
                segment = candidate
                logger.notice("Adopting a segment file an interrupted run wrote", metadata: ["file": "\(candidate.fileName)"])
            } else {
                let aside = try ArchiveFiles.setAside(existing, at: now)
                logger.error(
                    "An unrecorded segment file does not verify; set aside and written again",
                    metadata: ["file": "\(aside)", "problem": "\(result.problem.map { "\($0)" } ?? "it does not match the journal")"])
            }
        }
        if segment == nil {
            if try keyring.loadOrCreate(now: now).created {
                logger.notice("Created a checkpoint signing key", metadata: ["directory": "\(settings.keysDirectory)"])
            }
            let checkpoint = try await CheckpointSigner(keyring: keyring, node: settings.node).checkpoint(size: plan.last, of: store, at: now)
            _ = try await journal.append(checkpoint.event(id: .make(at: now), time: now))
            try step(.checkpointPublished)
            let path = try await write(plan, checkpoint: checkpoint)
            try step(.fileWritten)
            let result = ArchiveVerification.verify(segmentFile: path, publicKeys: try keyring.publicKeys())
            let mismatch = try await result.segment.asyncMap { try await confirm($0, previous: plan.previous) } ?? nil
            guard let written = result.segment, mismatch == nil else {
                try ArchiveFiles.remove(path)
                throw ArchiveFileError("the segment just written does not verify: \(result.problem.map { "\($0)" } ?? mismatch ?? "")")
            }
            segment = written
        }
        let verified = segment!
        var record = ArchiveSegmentRecord(
            first: verified.header.first, last: verified.header.last, file: verified.fileName, sha256: verified.sha256,
            entries: verified.header.entryCount, firstTime: verified.header.firstTime, lastTime: verified.header.lastTime,
            lastHash: verified.end.head, frontier: verified.end.frontier, checkpoint: verified.header.checkpoint, archivedAt: now,
            archiveEventID: .make(at: now))
        try await store.recordArchiveSegment(record)
        try step(.recorded)
        try await deleteEvents(through: record.last)
        try step(.eventsDeleted)
        record.archiveEventSequence = try await publishArchiveEvent(record)
        logger.info("Archived a segment", metadata: [
            "first": "\(record.first)", "last": "\(record.last)", "file": "\(record.file)", "sha256": "\(record.sha256)",
        ])
        return record
    }

    /// Nil when the verified segment is the journal's own entries `first ... last`, continuing `previous`.
    private func confirm(_ segment: VerifiedSegment, previous: ArchiveChainState) async throws -> String? {
        if let problem = ArchiveVerification.link(segment, after: previous) { return "\(problem)" }
        let last = segment.header.last
        guard segment.header.node == settings.node else { return "the segment is node \(segment.header.node)'s" }
        guard try await store.chainHash(at: last) == segment.end.head else { return "its last hash is not the journal's at \(last)" }
        let root = try await store.withMerkleTree { tree in try MerkleTree.root(size: last, source: tree) }
        guard root == segment.header.checkpoint.root else { return "its Merkle root is not the journal's at \(last)" }
        return nil
    }

    /// Writes entries `plan.first ... plan.last` to their segment file, durably. Returns its path.
    private func write(_ plan: Plan, checkpoint: Checkpoint) async throws -> String {
        guard let (earliest, latest) = try await store.timeRange(first: plan.first, last: plan.last) else {
            throw ArchiveFileError("entries \(plan.first) to \(plan.last) are not in the journal")
        }
        let prefix = try await store.withMerkleTree { tree in try MerkleFrontier(size: plan.first - 1, source: tree).subtrees }
        let header = ArchiveHeader(
            node: settings.node, first: plan.first, last: plan.last, firstTime: earliest, lastTime: latest, prevHash: plan.previous.head,
            prefixFrontier: prefix, checkpoint: checkpoint)
        let path = (settings.archiveDirectory as NSString).appendingPathComponent(
            ArchiveSegmentName.fileName(node: settings.node, first: plan.first, last: plan.last))
        let temporary = path + ".tmp"
        let writer = try GzipFileWriter(path: temporary)
        try writer.write(header.jsonBytes + [0x0A])
        var after = plan.first - 1
        while after < plan.last {
            let page = try await store.entries(after: after, limit: Int(min(5000, plan.last - after)))
            guard let firstEntry = page.first, firstEntry.sequence == after + 1 else {
                throw ArchiveFileError("entry \(after + 1) is not in the journal")
            }
            for entry in page {
                guard entry.sequence == after + 1 else { throw ArchiveFileError("entry \(after + 1) is not in the journal") }
                try writer.write(entry.jsonBytes + [0x0A])
                after = entry.sequence
            }
        }
        _ = try writer.finish()
        try ArchiveFiles.publish(temporary: temporary, as: path)
        return path
    }

    private func deleteEvents(through last: Int64) async throws {
        var firstBatch = true
        while try await store.deleteArchivedEvents(through: last, batch: deleteBatch) > 0 {
            if firstBatch {
                firstBatch = false
                try step(.firstBatchDeleted)
            }
            await Task.yield()
        }
    }

    /// Appends the segment's `audit.archive` event unless the journal holds it already; returns its sequence.
    @discardableResult
    private func publishArchiveEvent(_ record: ArchiveSegmentRecord) async throws -> Int64 {
        if let sequence = try await store.sequence(ofEvent: record.archiveEventID) {
            try await store.setArchiveEventSequence(first: record.first, sequence: sequence)
            return sequence
        }
        let now = clock.now()
        let entry = try await journal.append(AuditEventDraft(
            id: record.archiveEventID, time: now, node: settings.node, action: .auditArchive, outcome: .ok, credential: settings.credential,
            detail: [
                "first": String(record.first), "last": String(record.last), "entries": String(record.entries), "file": record.file,
                "sha256": record.sha256, "checkpointSize": String(record.checkpoint.size), "root": record.checkpoint.root.hex,
                "firstTime": record.firstTime.description, "lastTime": record.lastTime.description,
            ]))
        try await store.setArchiveEventSequence(first: record.first, sequence: entry.sequence)
        return entry.sequence
    }

    // MARK: Recovery and purging

    /// Finishes what an interrupted run left: rows of recorded segments, missing events, half-done purges.
    private func recover() async throws {
        let records = try await store.archiveSegments()
        if let through = records.last?.last, let oldest = try await store.oldestSequence(), oldest <= through {
            logger.notice("Finishing an interrupted archive run: deleting rows already archived", metadata: ["through": "\(through)"])
            try await deleteEvents(through: through)
        }
        for record in records where record.archiveEventSequence == nil { try await publishArchiveEvent(record) }
        for record in records where record.deletedAt != nil && record.purgeEventSequence == nil { try await finishPurge(record) }
    }

    /// Deletes segments whose newest event is older than `keepDays`, oldest first, never one a consumer's
    /// cursor is still inside.
    private func purge(now: AuditTime) async throws -> [ArchiveSegmentRecord] {
        let cutoff = AuditTime(microseconds: now.microseconds - Int64(settings.retention.keepDays) * Self.microsPerDay)
        let (cursorLimit, _) = try await consumerLimit()
        var purged: [ArchiveSegmentRecord] = []
        for var record in try await store.archiveSegments() where record.deletedAt == nil {
            guard record.lastTime < cutoff, record.last <= cursorLimit, !Task.isShuttingDownGracefully else { break }
            let eventID = EventID.make(at: now)
            try await store.markPurged(first: record.first, at: now, eventID: eventID)
            record.deletedAt = now
            record.purgeEventID = eventID
            try step(.purgeMarked)
            try await finishPurge(record)
            purged.append(record)
        }
        return purged
    }

    /// Deletes a purged segment's file (if still there) and appends its `audit.purge` event once.
    private func finishPurge(_ record: ArchiveSegmentRecord) async throws {
        try ArchiveFiles.remove((settings.archiveDirectory as NSString).appendingPathComponent(record.file))
        guard let eventID = record.purgeEventID else { return }
        if let sequence = try await store.sequence(ofEvent: eventID) {
            try await store.setPurgeEventSequence(first: record.first, sequence: sequence)
            return
        }
        let now = clock.now()
        let entry = try await journal.append(AuditEventDraft(
            id: eventID, time: now, node: settings.node, action: .auditPurge, outcome: .ok, credential: settings.credential,
            detail: [
                "first": String(record.first), "last": String(record.last), "entries": String(record.entries), "file": record.file,
                "sha256": record.sha256, "lastTime": record.lastTime.description, "keepDays": String(settings.retention.keepDays),
            ]))
        try await store.setPurgeEventSequence(first: record.first, sequence: entry.sequence)
        logger.notice("Purged an archive segment past the retention period", metadata: [
            "first": "\(record.first)", "last": "\(record.last)", "file": "\(record.file)",
        ])
    }
}

extension AuditAction {
    /// Entries left the journal for a signed archive segment (first, last, entries, file, sha256, checkpointSize).
    public static let auditArchive = AuditAction(rawValue: "audit.archive")
    /// An archive segment was deleted after the retention period (first, last, file, sha256).
    public static let auditPurge = AuditAction(rawValue: "audit.purge")
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
