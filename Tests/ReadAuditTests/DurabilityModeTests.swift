import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// `journal.durability: os`: commits reach the kernel before the reply, a background thread fsyncs the WAL.
@Suite struct DurabilityModeTests {
    func load(_ yaml: String) throws -> ReadAuditConfiguration {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("c.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ReadAuditConfiguration.load(path: path, environment: [:])
    }

    @Test func durabilityDefaultsToFsync() throws {
        #expect(try ReadAuditConfiguration.load(path: nil, environment: [:]).journalDurability == .fsync)
        #expect(try load("journal: {durability: fsync}").journalDurability == .fsync)
    }

    @Test func osModeIsParsedWithItsIntervalOrTheDefault() throws {
        #expect(try load("journal: {durability: os}").journalDurability == .os(syncInterval: .milliseconds(10)))
        #expect(try load("journal: {durability: os, syncIntervalMs: 25}").journalDurability == .os(syncInterval: .milliseconds(25)))
    }

    @Test func badDurabilitySettingsAreRefusedByName() throws {
        #expect(throws: ConfigurationError.self) { try load("journal: {durability: sometimes}") }
        #expect(throws: ConfigurationError.self) { try load("journal: {durability: fsync, syncIntervalMs: 5}") }
        #expect(throws: ConfigurationError.self) { try load("journal: {durability: os, syncIntervalMs: 0}") }
    }

    @Test func osModeRunsTheWriterAtSynchronousNormal() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let os = try JournalStore(path: directory.file("os.sqlite"), durability: .os(syncInterval: .milliseconds(10)))
        #expect(try os.synchronousLevel() == 1)
        let fsync = try JournalStore(path: directory.file("fsync.sqlite"))
        #expect(try fsync.synchronousLevel() == 2)
    }

    @Test func theGatewayOpensTheJournalInTheConfiguredMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = ReadAuditConfiguration(dataDirectory: directory.path)
        configuration.journalDurability = .os(syncInterval: .milliseconds(10))
        let ports = try await Gateway.makePorts(configuration: configuration, logger: Logger(label: "test"))
        #expect(try ports.journal.store.synchronousLevel() == 1)
        #expect(ports.journal.store.durability == .os(syncInterval: .milliseconds(10)))
        for case let service as HTTPClientService in ports.services { try await service.client.shutdown() }
    }

    @Test func theBackgroundFsyncRunsWithinTheInjectedInterval() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"), durability: .os(syncInterval: .milliseconds(20)))
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            for round in 1...3 {
                let entry = try await journal.append(JournalTests.draft(round))
                let started = ContinuousClock.now
                while journal.durableSequence < entry.sequence && ContinuousClock.now - started < .seconds(5) {
                    try await Task.sleep(for: .milliseconds(2))
                }
                #expect(journal.durableSequence >= entry.sequence)
                #expect(journal.backgroundSyncCount >= round)
            }
        }
    }

    @Test func aLongIntervalLeavesTheTailUnsyncedUntilCloseSyncsIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"), durability: .os(syncInterval: .seconds(10)))
        let journal = try await SQLiteJournal(store: store, logger: Logger(label: "test"))
        let running = Task { try await journal.run() }
        let entry = try await journal.append(JournalTests.draft(1))
        // Acknowledged, in the kernel, and not yet fsync'd: the interval has not elapsed.
        #expect(journal.durableSequence < entry.sequence)
        #expect(journal.backgroundSyncCount == 0)
        journal.close()
        try await running.value
        #expect(journal.durableSequence == entry.sequence)
        #expect(journal.backgroundSyncCount == 1)
    }

    @Test func fsyncModeIsDurableAtEveryAcknowledgement() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"))
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            let entry = try await journal.append(JournalTests.draft(1))
            #expect(journal.durableSequence >= entry.sequence)
            #expect(journal.backgroundSyncCount == 0)
        }
    }
}
