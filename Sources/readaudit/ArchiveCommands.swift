import ArgumentParser
import Foundation
import ReadAudit

struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Archive events older than the hot window into signed segments and purge expired ones; verify segments offline.",
        subcommands: [ArchiveRun.self, ArchiveVerify.self], defaultSubcommand: ArchiveRun.self)
}

struct ArchiveRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Archive what is due and purge what has expired, now (the gateway also does it every retention.intervalMinutes).")

    @OptionGroup var options: JournalOptions

    func run() async throws {
        let configuration = try options.load()
        guard FileManager.default.fileExists(atPath: configuration.journalPath) else {
            throw ValidationError("No journal at \(configuration.journalPath).")
        }
        guard configuration.retention.enabled else {
            print("Retention is off (retention.enabled: false); nothing archived.")
            return
        }
        let logger = makeLogger("readaudit.archive", level: configuration.logLevel == "info" ? "notice" : configuration.logLevel)
        let store = try JournalStore(path: configuration.journalPath, busyTimeout: configuration.journalBusyTimeout)
        let report = try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
            let archiver = Archiver(
                journal: journal, store: store, settings: Archiver.Settings(configuration: configuration, credential: "cli:\(NSUserName())"),
                clock: SystemWallClock(), logger: logger)
            return try await archiver.archiveNow()
        }
        if report.busy {
            print("Another archiver (the gateway?) is working on this journal; try again later.")
            return
        }
        for record in report.archived {
            print("archived \(record.first)-\(record.last) (\(record.entries) entries) to \(record.file), sha256 \(record.sha256)")
        }
        for record in report.purged {
            print("purged \(record.first)-\(record.last): \(record.file), newest event \(record.lastTime)")
        }
        if report.archived.isEmpty && report.purged.isEmpty { print("Nothing to archive or purge.") }
        if let reason = report.heldBack { print("Not archived further: \(reason).") }
    }
}

struct ArchiveVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check archive segments offline: signatures, hashes, links, Merkle roots. Exit 1 naming the segment and sequence.")

    @OptionGroup var options: JournalOptions

    @Option(name: .customLong("public-keys"), help: "Trusted public keys (`readaudit-ed25519 <id> <key>` lines); default: the keyring's public file.")
    var publicKeys: String?

    @Flag(name: .customLong("read-only"), help: "Do not record the verification in the journal.")
    var readOnly = false

    @Argument(help: "Segment files (default: every segment in the configured archive directory).")
    var files: [String] = []

    func run() async throws {
        let configuration = try options.load()
        let keysPath = publicKeys ?? SigningKeyring(directory: configuration.keysPath).publicKeysPath
        guard let keysText = try? String(contentsOfFile: keysPath, encoding: .utf8) else {
            throw ValidationError("No public keys at \(keysPath); pass --public-keys FILE.")
        }
        let keys = try PublicKeyring(text: keysText)
        for file in files where !FileManager.default.fileExists(atPath: file) { throw ValidationError("No such file: \(file)") }
        let segmentFiles = files.isEmpty ? try ArchiveSegmentName.files(in: configuration.archivePath) : files
        let report = ArchiveVerification.verifyAll(files: segmentFiles, publicKeys: keys)
        var problem = report.problem
        let hasJournal = FileManager.default.fileExists(atPath: configuration.journalPath)
        // With the journal and no file list, every segment the journal recorded must be there, unaltered.
        if problem == nil && hasJournal && files.isEmpty {
            let store = try JournalStore(path: configuration.journalPath, readOnly: true)
            problem = try await ArchiveVerification.verifiedPrefix(store: store, directory: configuration.archivePath, publicKeys: keys).problem
        }
        // The verification is recorded in the chain before its answer is shown (PCI DSS 10.2.1.3).
        if hasJournal && !readOnly {
            let store = try JournalStore(path: configuration.journalPath, busyTimeout: configuration.journalBusyTimeout)
            let logger = makeLogger("readaudit.archive", level: "warning")
            try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
                let time = SystemWallClock().now()
                var detail = ["scope": "archive", "segments": String(report.segments.count), "verified": String(report.entryCount)]
                if let problem {
                    detail["file"] = problem.file
                    if let sequence = problem.sequence { detail["firstBadSequence"] = String(sequence) }
                    detail["problem"] = problem.kind.rawValue
                }
                _ = try await journal.append(AuditEventDraft(
                    id: .make(at: time), time: time, node: configuration.node, action: .auditVerify, outcome: problem == nil ? .ok : .failed,
                    credential: "cli:\(NSUserName())", detail: detail))
            }
        }
        if let problem {
            print("FAILED: \(problem)")
            print("\(report.segments.count) segment(s) verified before it.")
            throw ExitCode(1)
        }
        let ranges = report.ends.keys.sorted().map { node -> String in
            let first = report.segments.first { $0.header.node == node }!.header.first
            return "\(node) \(first) to \(report.ends[node]!.sequence)"
        }
        print("OK: \(report.segments.count) segment(s), \(report.entryCount) entries\(ranges.isEmpty ? "" : " (" + ranges.joined(separator: ", ") + ")"), signatures and chain intact")
    }
}
