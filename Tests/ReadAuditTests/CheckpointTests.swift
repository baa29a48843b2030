import Foundation
import GRDB
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Signed checkpoints: the key on disk, the checkpointer, the frozen statement, and `verify` holding the
/// chain to them.
@Suite struct CheckpointTests {
    /// A journal in a temporary directory with a running writer, a keyring, and a checkpointer (not running).
    struct Setup {
        let directory: TemporaryDirectory
        let store: JournalStore
        let keyring: SigningKeyring
        let clock: ManualClock
    }

    static func withJournal(
        everyEvents: Int = 10_000, _ body: (Setup, SQLiteJournal, Checkpointer) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        let keyring = SigningKeyring(directory: directory.file("keys"))
        let clock = ManualClock()
        var configuration = CheckpointConfiguration()
        configuration.everyEvents = everyEvents
        configuration.interval = .seconds(3600)
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            let checkpointer = Checkpointer(
                journal: journal, signer: CheckpointSigner(keyring: keyring, node: "n1"), clock: clock, configuration: configuration,
                logger: Logger(label: "test"))
            try await checkpointer.prepare()
            try await body(Setup(directory: directory, store: store, keyring: keyring, clock: clock), journal, checkpointer)
        }
    }

    static func append(_ count: Int, to journal: SQLiteJournal, clock: ManualClock) async throws {
        for index in 0..<count {
            clock.advance(by: .milliseconds(1))
            _ = try await journal.append(JournalTests.draft(index, clock: clock))
        }
    }

    @Test func theStatementIsFrozen() {
        let statement = Checkpoint.statement(
            node: "gw-1", size: 42, head: ChainHash(hex: String(repeating: "ab", count: 32))!,
            root: ChainHash(hex: String(repeating: "01", count: 32))!, time: AuditTime(microseconds: 1_795_000_000_123_456))
        #expect(String(decoding: statement, as: UTF8.self) == """
            readaudit.checkpoint.v1
            node gw-1
            size 42
            head \(String(repeating: "ab", count: 32))
            root \(String(repeating: "01", count: 32))
            time 1795000000123456

            """)
    }

    @Test func theKeyIsCreatedOwnerOnlyAndRotationKeepsOldPublicKeys() async throws {
        try await Self.withJournal { setup, journal, checkpointer in
            var info = stat()
            #expect(stat(setup.keyring.privateKeyPath, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            #expect(stat(setup.keyring.directory, &info) == 0 && info.st_mode & 0o077 == 0)

            try await Self.append(5, to: journal, clock: setup.clock)
            let first = try #require(try await checkpointer.checkpointNow())
            let (old, new) = try setup.keyring.rotate(now: setup.clock.now())
            #expect(old?.keyID == first.keyID && new.keyID != first.keyID)
            try await Self.append(5, to: journal, clock: setup.clock)
            let second = try #require(try await checkpointer.checkpointNow())
            #expect(second.keyID == new.keyID)

            let keys = try setup.keyring.publicKeys()
            #expect(keys.order == [first.keyID, second.keyID])
            #expect(first.checkSignature(keys) == .valid && second.checkSignature(keys) == .valid)
            let result = try await JournalVerification.verify(setup.store, evidence: VerificationEvidence(publicKeys: keys))
            #expect(result.isIntact && result.checkpointsVerified == 2 && result.signedSize == 11)

            chmod(setup.keyring.privateKeyPath, 0o644)
            #expect(throws: KeyringError.self) { try setup.keyring.load() }
        }
    }

    @Test func aCheckpointIsSignedEveryNEventsAndPublishedAsAnEvent() async throws {
        try await Self.withJournal(everyEvents: 10) { setup, journal, checkpointer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await checkpointer.run() }
                try await Self.append(10, to: journal, clock: setup.clock)
                // The checkpoint's own event is entry 11.
                await journal.waitForEntries(after: 10)
                group.cancelAll()
                try await group.waitForAll()
            }
            let events = try await setup.store.checkpointEvents()
            let first = try #require(events.first)
            #expect(first.entry.sequence == 11)
            let checkpoint = try #require(first.checkpoint)
            #expect(checkpoint.size == 10 && checkpoint.node == "n1")
            #expect(checkpoint.head == (try await setup.store.chainHash(at: 10)))
            #expect(checkpoint.checkSignature(try setup.keyring.publicKeys()) == .valid)
            // Nothing new but its own event: no second checkpoint.
            #expect(try await checkpointer.checkpointNow() == nil)
        }
    }

    @Test func anAlteredCheckpointEventOrAnUnknownKeyFailsVerification() async throws {
        try await Self.withJournal { setup, journal, checkpointer in
            try await Self.append(20, to: journal, clock: setup.clock)
            let checkpoint = try #require(try await checkpointer.checkpointNow())
            var forged = checkpoint
            forged.size = 15
            forged.head = try #require(try await setup.store.chainHash(at: 15))
            let keys = try setup.keyring.publicKeys()
            #expect(forged.checkSignature(keys) == .badSignature)
            let stranger = SigningKeyring(directory: setup.directory.file("stranger"))
            let strangerKey = try stranger.loadOrCreate(now: setup.clock.now()).key
            let foreign = try Checkpoint.sign(
                node: "n1", size: checkpoint.size, head: checkpoint.head, root: checkpoint.root, time: checkpoint.time, with: strangerKey)
            #expect(foreign.checkSignature(keys) == .unknownKey)

            let withForged = try await JournalVerification.verify(setup.store, evidence: VerificationEvidence(publicKeys: keys, external: [forged]))
            #expect(withForged.problem?.kind == .badCheckpoint)
            let withForeign = try await JournalVerification.verify(setup.store, evidence: VerificationEvidence(publicKeys: keys, external: [foreign]))
            #expect(withForeign.problem?.kind == .badCheckpoint)
            let clean = try await JournalVerification.verify(setup.store, evidence: VerificationEvidence(publicKeys: keys, external: [checkpoint]))
            #expect(clean.isIntact && clean.checkpointsVerified == 2)
        }
    }

    @Test func checkpointsAreReadBackFromASinksCopyInEveryShape() async throws {
        try await Self.withJournal { setup, journal, checkpointer in
            try await Self.append(3, to: journal, clock: setup.clock)
            let checkpoint = try #require(try await checkpointer.checkpointNow())
            let entries = try await setup.store.entries(after: 0, limit: 100)
            let fileSink = entries.map { String(decoding: $0.jsonBytes, as: UTF8.self) }.joined(separator: "\n")
            let hec = entries.map { #"{"time":1,"host":"h","event":\#(String(decoding: $0.jsonBytes, as: UTF8.self))}"# }.joined()
            let canonical = checkpoint.json.string
            for text in [fileSink, hec, canonical, "[" + entries.map { String(decoding: $0.jsonBytes, as: UTF8.self) }.joined(separator: ",") + "]"] {
                #expect(try ExternalCheckpoints.read(text) == [checkpoint])
            }
            #expect(throws: CheckpointError.self) { try ExternalCheckpoints.read("not json") }
        }
    }
}

extension CheckpointTests {
    @Test func checkpointsAreReadFromTheConfiguration() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("readaudit.yaml")
        try "keysDirectory: /etc/readaudit/keys\ncheckpoints: {everyEvents: 500, intervalSeconds: 5}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ReadAuditConfiguration.load(path: path, environment: [:])
        #expect(configuration.checkpoints.everyEvents == 500 && configuration.checkpoints.interval == .seconds(5))
        #expect(configuration.checkpoints.enabled && configuration.keysPath == "/etc/readaudit/keys")
        for bad in ["checkpoints: {everyEvents: 0}", "checkpoints: {every: 5}", "checkpoints: {intervalSeconds: -1}"] {
            try bad.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: ConfigurationError.self) { try ReadAuditConfiguration.load(path: path, environment: [:]) }
        }
    }
}
