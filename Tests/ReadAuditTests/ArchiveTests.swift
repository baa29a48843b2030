import Crypto
import Foundation
import GRDB
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Retention: events older than the hot window move into signed, compressed segments that verify offline,
/// queries span archive and journal, nothing passes the slowest cursor, every archive and purge is audited,
/// and a crash between any two steps loses and duplicates nothing.
@Suite struct ArchiveTests {
    static let segments = ["1-256", "257-512", "513-768"]

    static func ranges(_ records: [ArchiveSegmentRecord]) -> [String] { records.map { "\($0.first)-\($0.last)" } }

    // MARK: Acceptance 5: archive, verify offline, query across archive and journal

    @Test func archiveVerifiesOfflineAndQueriesSpanArchiveAndJournal() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        let report = try await fixture.run()
        // 200 days of reads, 90 hot: entries 1 to 879 are older; segments end on multiples of 256.
        #expect(Self.ranges(report.archived) == Self.segments)
        #expect(try await fixture.store.entries(after: 0, limit: 1).first?.sequence == 769)

        // An auditor's laptop: only the segment files and the public keys.
        let laptop = try TemporaryDirectory()
        defer { laptop.remove() }
        for path in try ArchiveSegmentName.files(in: fixture.archivePath) {
            try FileManager.default.copyItem(atPath: path, toPath: laptop.file((path as NSString).lastPathComponent))
        }
        try FileManager.default.copyItem(
            atPath: SigningKeyring(directory: fixture.settings.keysDirectory).publicKeysPath, toPath: laptop.file("public-keys.txt"))
        let keys = try PublicKeyring(text: String(contentsOfFile: laptop.file("public-keys.txt"), encoding: .utf8))
        let offline = try ArchiveVerification.verifyAll(directory: laptop.path, publicKeys: keys)
        #expect(offline.isIntact, "\(String(describing: offline.problem))")
        #expect(offline.segments.count == 3 && offline.entryCount == 768)
        #expect(offline.ends[ArchiveFixture.node]?.sequence == 768)
        #expect(offline.ends[ArchiveFixture.node]?.head == fixture.entries[767].hash)

        // The same with the real binary, no journal anywhere.
        let files = try ArchiveSegmentName.files(in: laptop.path)
        let cli = try ReadAuditBinary.run(["archive", "verify", "--data-dir", laptop.path, "--public-keys", laptop.file("public-keys.txt")] + files)
        #expect(cli.status == 0, "\(cli.stdout)\(cli.stderr)")
        #expect(cli.stdout.contains("OK: 3 segment(s), 768 entries"), "\(cli.stdout)")

        // The hot journal continues the chain from the archive's end state.
        let whole = try await ArchiveVerification.verifyJournal(store: fixture.store, directory: fixture.archivePath, publicKeys: keys)
        #expect(whole.isIntact, "\(String(describing: whole.problem))")
        #expect(whole.prefix.sequence == 768 && whole.prefix.verifiedSegments == 3)
        #expect(whole.verifiedCount == (try await fixture.store.headSequence()))

        // Who read C-3 from day 60 to day 150: archived (days 0-96) and hot entries, in time order, each once.
        let from = fixture.time(afterDays: 60)
        let to = fixture.time(afterDays: 150)
        let found = try await AuditTrail(store: fixture.store, archiveDirectory: fixture.archivePath).accesses(customer: "C-3", from: from, to: to)
        let expected = fixture.entries.filter { entry in
            entry.event.customer == "C-3" && entry.event.time >= from && entry.event.time < to
        }
        #expect(found == expected)
        #expect(found.contains { entry in entry.sequence <= 768 } && found.contains { entry in entry.sequence > 768 })
        #expect(Set(found.map(\.sequence)).count == found.count)
        #expect(found.map(\.event.time) == found.map(\.event.time).sorted())
    }

    @Test func archivedEntriesStillHaveInclusionProofs() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        try await fixture.run()
        let head = try await fixture.store.headSequence()
        // Roots come from the stored subtree nodes, which archiving keeps.
        let root = try await fixture.store.withMerkleTree { tree in try MerkleTree.root(size: head, source: tree) }
        let reader = try await ArchiveReader(store: fixture.store, directory: fixture.archivePath)
        let proof = try await fixture.store.withMerkleTree(archive: reader) { tree in try MerkleTree.inclusionProof(index: 99, size: head, source: tree) }
        let leaf = MerkleTree.leafHash(entryHash: fixture.entries[99].hash)
        #expect(MerkleTree.verifyInclusion(leafHash: leaf, index: 99, size: head, path: proof, root: root))
        await #expect(throws: MerkleError.self) {
            try await fixture.store.withMerkleTree { tree in try MerkleTree.inclusionProof(index: 99, size: head, source: tree) }
        }
        // A hot entry's proof needs no archived leaf.
        let hotProof = try await fixture.store.withMerkleTree { tree in try MerkleTree.inclusionProof(index: 1000, size: head, source: tree) }
        #expect(MerkleTree.verifyInclusion(
            leafHash: MerkleTree.leafHash(entryHash: fixture.entries[1000].hash), index: 1000, size: head, path: hotProof, root: root))
    }

    // MARK: Tampering

    @Test func anEditedEntryInARecompressedSegmentIsNamedBySegmentAndSequence() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        try await fixture.run()
        let path = fixture.segmentPath(257, 512)
        var lines = try GzipLines.read(path)
        // Line 1 is the header; entry 300 is line 1 + 44.
        #expect(lines[44].contains("\"seq\":300,"))
        lines[44] = lines[44].replacingOccurrences(of: "\"customer\":\"C-4\"", with: "\"customer\":\"C-9\"")
        try GzipLines.write(lines, to: path)

        let report = try ArchiveVerification.verifyAll(directory: fixture.archivePath, publicKeys: try fixture.publicKeys())
        let problem = try #require(report.problem)
        #expect(problem.file == (path as NSString).lastPathComponent)
        #expect(problem.sequence == 300 && problem.kind == .contentsAltered)
        let prefix = try await ArchiveVerification.verifiedPrefix(store: fixture.store, directory: fixture.archivePath, publicKeys: try fixture.publicKeys())
        #expect(prefix.problem == problem && prefix.sequence == 256)

        let keysFile = SigningKeyring(directory: fixture.settings.keysDirectory).publicKeysPath
        let cli = try ReadAuditBinary.run(
            ["archive", "verify", "--data-dir", fixture.directory.path, "--public-keys", keysFile, "--read-only"]
                + (try ArchiveSegmentName.files(in: fixture.archivePath)))
        #expect(cli.status == 1)
        #expect(cli.stdout.contains("FAILED: segment n1-000000000257-000000000512.jsonl.gz: sequence 300: contents_altered"), "\(cli.stdout)")
    }

    /// Rewrites entries `from` through the segment's end with `edit` applied to `from`, every hash recomputed.
    static func forge(_ path: String, editing sequence: Int64) throws -> (lines: [String], end: JournalEntry) {
        var lines = try GzipLines.read(path)
        var previous: ChainHash?
        var last: JournalEntry?
        for index in 1..<lines.count {
            var entry = try JournalEntry(exportJSON: try JSONParser.parse(Array(lines[index].utf8)))
            guard entry.sequence >= sequence else { continue }
            if entry.sequence == sequence { entry.event.customer = "C-forged" }
            entry = JournalEntry.seal(entry.event, sequence: entry.sequence, after: previous ?? entry.previousHash)
            previous = entry.hash
            last = entry
            lines[index] = String(decoding: entry.jsonBytes, as: UTF8.self)
        }
        return (lines, last!)
    }

    @Test func aSegmentRehashedWithoutTheSigningKeyFails() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        try await fixture.run()
        let keys = try fixture.publicKeys()
        let path = fixture.segmentPath(257, 512)
        let original = try GzipLines.read(path)

        // Every hash recomputed, the checkpoint kept: it no longer matches.
        let (forged, end) = try Self.forge(path, editing: 300)
        try GzipLines.write(forged, to: path)
        let kept = try #require(ArchiveVerification.verifyAll(directory: fixture.archivePath, publicKeys: keys).problem)
        #expect(kept.file == (path as NSString).lastPathComponent && kept.kind == .checkpointMismatch && kept.sequence == 512)

        // ... and re-signed, with a key the auditors do not trust.
        var header = try ArchiveHeader(line: Array(original[0].utf8))
        var frontier = try #require(MerkleFrontier(size: 256, subtrees: header.prefixFrontier))
        for line in forged.dropFirst() {
            frontier.append(leafHash: MerkleTree.leafHash(entryHash: try JournalEntry(exportJSON: try JSONParser.parse(Array(line.utf8))).hash))
        }
        let other = try TemporaryDirectory()
        defer { other.remove() }
        let forgerKey = try SigningKeyring(directory: other.path).rotate(now: fixture.clock.now()).new
        header.checkpoint = try Checkpoint.sign(
            node: ArchiveFixture.node, size: 512, head: end.hash, root: frontier.root, time: fixture.clock.now(), with: forgerKey)
        try GzipLines.write([String(decoding: header.jsonBytes, as: UTF8.self)] + forged.dropFirst(), to: path)
        let resigned = try #require(ArchiveVerification.verifyAll(directory: fixture.archivePath, publicKeys: keys).problem)
        #expect(resigned.file == (path as NSString).lastPathComponent && resigned.kind == .unknownKey)

        // Trusting the forger's key too still exposes the forgery: the next segment no longer links.
        var both = keys
        both.add(forgerKey.privateKey.publicKey)
        let linked = try #require(ArchiveVerification.verifyAll(directory: fixture.archivePath, publicKeys: both).problem)
        #expect(linked.kind == .brokenLink && linked.sequence == 513)
    }

    @Test func aCutShortOrPaddedSegmentFileIsUnreadable() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        try await fixture.run()
        let path = fixture.segmentPath(513, 768)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let keys = try fixture.publicKeys()
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: path))
        let cut = try #require(ArchiveVerification.verify(segmentFile: path, publicKeys: keys).problem)
        #expect(cut.kind == .unreadable || cut.kind == .missingSequence, "\(cut)")
        #expect(cut.file == (path as NSString).lastPathComponent)
        try (bytes + Data("garbage".utf8)).write(to: URL(fileURLWithPath: path))
        let padded = try #require(ArchiveVerification.verify(segmentFile: path, publicKeys: keys).problem)
        #expect(padded.kind == .unreadable && "\(padded)".contains("follow the end of the gzip stream"), "\(padded)")
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(ArchiveVerification.verify(segmentFile: path, publicKeys: keys).problem == nil)
    }

    @Test func aDeletedMiddleSegmentIsReportedAsALinkBreak() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        try await fixture.run()
        try FileManager.default.removeItem(atPath: fixture.segmentPath(257, 512))
        let offline = try #require(ArchiveVerification.verifyAll(directory: fixture.archivePath, publicKeys: try fixture.publicKeys()).problem)
        #expect(offline.kind == .missingSegment && offline.sequence == 257)
        #expect(offline.file == (fixture.segmentPath(513, 768) as NSString).lastPathComponent)
        #expect("\(offline)".contains("entries 257 to 512 are in no segment"))
        // With the journal, the missing file itself is named.
        let prefix = try await ArchiveVerification.verifiedPrefix(store: fixture.store, directory: fixture.archivePath, publicKeys: try fixture.publicKeys())
        #expect(prefix.problem?.kind == .missingSegment && prefix.problem?.file == (fixture.segmentPath(257, 512) as NSString).lastPathComponent)
    }

    // MARK: Cursors and the schema

    @Test func theSlowestCursorCapsArchiving() async throws {
        let fixture = try await ArchiveFixture(cursor: .at(300))
        defer { fixture.directory.remove() }
        let report = try await fixture.run()
        #expect(Self.ranges(report.archived) == ["1-256"])
        #expect(report.heldBack?.contains("file's cursor is at 300") == true, "\(report.heldBack ?? "")")
        #expect(try await fixture.store.entries(after: 0, limit: 1).first?.sequence == 257)
        // Once the sink catches up, the rest of the old entries follow.
        try await fixture.store.saveCursor(sink: "file", sequence: 1600, at: fixture.clock.now())
        #expect(Self.ranges(try await fixture.run().archived) == ["257-512", "513-768"])
    }

    @Test func aConsumerWithoutACursorBlocksArchiving() async throws {
        var fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        fixture.settings.consumers = ["file", "splunk", Detector.cursorName]
        try await fixture.store.saveCursor(sink: Detector.cursorName, sequence: 1600, at: fixture.clock.now())
        let report = try await fixture.run()
        #expect(report.archived.isEmpty)
        #expect(report.heldBack?.contains("splunk has not recorded a cursor yet") == true, "\(report.heldBack ?? "")")
        #expect(try await fixture.store.entries(after: 0, limit: 1).first?.sequence == 1)
        #expect(try ArchiveSegmentName.files(in: fixture.archivePath).isEmpty)
    }

    @Test func theSchemaStillRefusesDeletesBeyondTheArchive() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        await #expect(throws: DatabaseError.self) {
            try await fixture.store.pool.write { db in try db.execute(sql: "DELETE FROM events WHERE seq = 1") }
        }
        try await fixture.run()
        for sql in ["DELETE FROM events WHERE seq = 769", "DELETE FROM events WHERE seq = 1200", "DELETE FROM events"] {
            await #expect(throws: DatabaseError.self, "\(sql)") { try await fixture.store.pool.write { db in try db.execute(sql: sql) } }
        }
        await #expect(throws: DatabaseError.self) {
            try await fixture.store.pool.write { db in try db.execute(sql: "UPDATE events SET customer = 'X' WHERE seq = 800") }
        }
        #expect(try await fixture.store.entries(after: 0, limit: 1).first?.sequence == 769)
    }

    // MARK: Audit events and retention

    @Test func archivingAndPurgingAreJournalEvents() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        let report = try await fixture.run()
        let keys = try fixture.publicKeys()

        let checkpoints = try await fixture.store.checkpointEvents()
        #expect(checkpoints.map { pair in pair.checkpoint?.size } == [256, 512, 768])
        #expect(checkpoints.allSatisfy { pair in pair.checkpoint?.checkSignature(keys) == .valid })
        #expect(checkpoints.map { pair in pair.checkpoint } == report.archived.map { record in Optional(record.checkpoint) })

        let archives = try await fixture.hot(.auditArchive)
        #expect(archives.count == 3)
        for (event, record) in zip(archives, report.archived) {
            let detail = event.event.detail
            #expect(detail["first"] == String(record.first) && detail["last"] == String(record.last) && detail["entries"] == "256")
            #expect(detail["file"] == record.file && detail["checkpointSize"] == String(record.last))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: (fixture.archivePath as NSString).appendingPathComponent(record.file)))
            #expect(detail["sha256"] == ChainHash.hex(Array(SHA256.hash(data: bytes))))
            #expect(record.archiveEventSequence == event.sequence)
        }

        // 250 days later the first segment's newest event (day 32) is older than keepDays (400).
        fixture.clock.advance(by: ArchiveFixture.day * 250)
        let later = try await fixture.run()
        #expect(Self.ranges(later.archived) == ["769-1024", "1025-1280", "1281-1536"])
        #expect(Self.ranges(later.purged) == ["1-256"])
        #expect(!FileManager.default.fileExists(atPath: fixture.segmentPath(1, 256)))
        let purges = try await fixture.hot(.auditPurge)
        #expect(purges.count == 1)
        #expect(purges.first?.event.detail["first"] == "1" && purges.first?.event.detail["last"] == "256")
        #expect(purges.first?.event.detail["file"] == report.archived[0].file && purges.first?.event.detail["sha256"] == report.archived[0].sha256)
        let records = try await fixture.store.archiveSegments()
        #expect(records.first?.deletedAt != nil && records.dropFirst().allSatisfy { record in record.deletedAt == nil })

        // What is left still verifies: offline from segment 2 on, and the whole journal from its records.
        let offline = try ArchiveVerification.verifyAll(directory: fixture.archivePath, publicKeys: keys)
        #expect(offline.isIntact && offline.segments.first?.header.first == 257 && offline.segments.count == 5)
        let whole = try await ArchiveVerification.verifyJournal(store: fixture.store, directory: fixture.archivePath, publicKeys: keys)
        #expect(whole.isIntact, "\(String(describing: whole.problem))")
        #expect(whole.prefix.purgedSegments == 1 && whole.prefix.sequence == 1536)
    }

    @Test func nothingIsPurgedWhileACursorIsInsideIt() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        try await fixture.run()
        // A sink restored from an old backup: its cursor is back inside the first segment.
        try await fixture.store.saveCursor(sink: "file", sequence: 100, at: fixture.clock.now())
        fixture.clock.advance(by: ArchiveFixture.day * 250)
        let later = try await fixture.run()
        #expect(later.purged.isEmpty && later.archived.isEmpty)
        #expect(FileManager.default.fileExists(atPath: fixture.segmentPath(1, 256)))
    }

    // MARK: Crash safety

    @Test(arguments: [Archiver.Step.checkpointPublished, .fileWritten, .recorded, .firstBatchDeleted, .eventsDeleted])
    func aCrashBetweenStepsLosesAndDuplicatesNothing(_ step: Archiver.Step) async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        await #expect(throws: Archiver.SimulatedCrash(step: step)) { try await fixture.run(stopAfter: step) }
        try await fixture.run()

        let records = try await fixture.store.archiveSegments()
        #expect(Self.ranges(records) == Self.segments)
        let archives = try await fixture.hot(.auditArchive)
        #expect(archives.map { entry in entry.event.detail["first"] } == ["1", "257", "513"])
        #expect(records.map(\.archiveEventSequence) == archives.map(\.sequence))
        // A re-run adopts the file the crashed run wrote, with its checkpoint; before the file, it signs again.
        #expect(try await fixture.store.checkpointEvents().count == (step == .checkpointPublished ? 4 : 3))
        #expect(try ArchiveSegmentName.files(in: fixture.archivePath).count == 3)

        let keys = try fixture.publicKeys()
        let whole = try await ArchiveVerification.verifyJournal(store: fixture.store, directory: fixture.archivePath, publicKeys: keys)
        #expect(whole.isIntact, "\(String(describing: whole.problem))")
        #expect(whole.verifiedCount == (try await fixture.store.headSequence()))
        // Every original entry exactly once: 1-768 in the archive, the rest hot.
        let archived = try ArchiveReader(scanning: fixture.archivePath).entries(from: nil, to: nil) { _ in true }
        let hot = try await fixture.store.entries(after: 0, limit: 1_000_000)
        #expect(archived.map(\.sequence) == Array(1...768))
        #expect(hot.first?.sequence == 769)
        #expect(archived + Array(hot.prefix(1600 - 768)) == fixture.entries)
    }

    @Test func aCrashDuringAPurgeIsFinishedOnce() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        try await fixture.run()
        fixture.clock.advance(by: ArchiveFixture.day * 250)
        await #expect(throws: Archiver.SimulatedCrash(step: .purgeMarked)) { try await fixture.run(stopAfter: .purgeMarked) }
        #expect(FileManager.default.fileExists(atPath: fixture.segmentPath(1, 256)))
        try await fixture.run()
        #expect(!FileManager.default.fileExists(atPath: fixture.segmentPath(1, 256)))
        #expect(try await fixture.hot(.auditPurge).map { entry in entry.event.detail["first"] } == ["1"])
        let whole = try await ArchiveVerification.verifyJournal(store: fixture.store, directory: fixture.archivePath, publicKeys: try fixture.publicKeys())
        #expect(whole.isIntact, "\(String(describing: whole.problem))")
    }

    @Test func aCorruptUnrecordedSegmentIsSetAsideAndWrittenAgain() async throws {
        let fixture = try await ArchiveFixture()
        defer { fixture.directory.remove() }
        await #expect(throws: Archiver.SimulatedCrash(step: .fileWritten)) { try await fixture.run(stopAfter: .fileWritten) }
        let path = fixture.segmentPath(1, 256)
        var lines = try GzipLines.read(path)
        lines.removeLast()
        try GzipLines.write(lines, to: path)
        try await fixture.run()
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.archivePath)
        #expect(names.contains { name in name.hasPrefix("n1-000000000001-000000000256.jsonl.gz.rejected-") })
        let whole = try await ArchiveVerification.verifyJournal(store: fixture.store, directory: fixture.archivePath, publicKeys: try fixture.publicKeys())
        #expect(whole.isIntact && whole.prefix.sequence == 768)
    }

    // MARK: Command line and configuration

    @Test func theArchiveCommandArchivesAndVerifiesAndRecordsTheVerification() async throws {
        // Events from 200 days ago to now, by the real clock (the command uses it).
        let fixture = try await ArchiveFixture(clock: ManualClock(AuditTime(Date().addingTimeInterval(-200 * 86_400))))
        defer { fixture.directory.remove() }
        try await fixture.store.saveCursor(sink: Detector.cursorName, sequence: 1600, at: fixture.clock.now())
        let run = try ReadAuditBinary.run(["archive", "--data-dir", fixture.directory.path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("archived 1-768 (768 entries)"), "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: fixture.directory.file("archive")))
        let verify = try ReadAuditBinary.run(["archive", "verify", "--data-dir", fixture.directory.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("OK: 1 segment(s), 768 entries"), "\(verify.stdout)")
        let recorded = try #require(try await fixture.hot(.auditVerify).last)
        #expect(recorded.event.detail["scope"] == "archive" && recorded.event.outcome == .ok && recorded.event.detail["verified"] == "768")
        #expect(try await fixture.hot(.auditArchive).first?.event.credential?.hasPrefix("cli:") == true)

        // The whole journal verifies: the archive's segments, then the hot chain continuing from them.
        let whole = try ReadAuditBinary.run(["verify", "--data-dir", fixture.directory.path, "--read-only"])
        #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
        #expect(whole.stdout.contains("Entries 1 to 768 are archived: 1 segment(s) verified"), "\(whole.stdout)")
        // An edit in the hot part after the archive is still found at its sequence.
        try await fixture.store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER events_refuse_update; UPDATE events SET agent = 'x' WHERE seq = 900")
        }
        let edited = try ReadAuditBinary.run(["verify", "--data-dir", fixture.directory.path, "--read-only"])
        #expect(edited.status == 1 && edited.stdout.contains("FAILED: sequence 900: contents_altered"), "\(edited.stdout)")
    }

    @Test func retentionIsReadFromTheConfiguration() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("readaudit.yaml")
        try """
            dataDirectory: /srv/readaudit
            keysDirectory: signing
            retention: {hotDays: 92, keepDays: 366, archiveDirectory: /mnt/archive, intervalMinutes: 15, minSegmentEvents: 4096}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ReadAuditConfiguration.load(path: path, environment: [:])
        #expect(configuration.retention.hotDays == 92 && configuration.retention.keepDays == 366)
        #expect(configuration.retention.interval == .seconds(15 * 60) && configuration.retention.minSegmentEvents == 4096)
        #expect(configuration.archivePath == "/mnt/archive" && configuration.keysPath == "/srv/readaudit/signing")
        #expect(ReadAuditConfiguration().retention == RetentionConfiguration())
        #expect(RetentionConfiguration().hotDays == 90 && RetentionConfiguration().keepDays == 400)

        try "retention: {hotDays: 90, keepDays: 30}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try ReadAuditConfiguration.load(path: path, environment: [:]) }
        try "retention: {hotdays: 90}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try ReadAuditConfiguration.load(path: path, environment: [:]) }
    }
}
