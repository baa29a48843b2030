import ArgumentParser
import Foundation
import ReadAudit

struct Prove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a proof an auditor can check offline with only the public keys (`readaudit verify --proof`).",
        discussion: """
            --event ID: an inclusion proof of one event against a signed checkpoint (the newest, or --checkpoint SIZE).
            --consistency OLD NEW: proof that the checkpoint of OLD entries is a prefix of the checkpoint of NEW \\
            entries (sizes as `verify` and the checkpoint events state them; NEW may be `latest`).
            """)

    @OptionGroup var options: JournalOptions

    @Option(name: .long, help: "The event id to prove.")
    var event: String?

    @Option(name: .long, help: "With --event: the size of the checkpoint to prove against (default: the newest).")
    var checkpoint: Int64?

    @Option(name: .long, parsing: .upToNextOption, help: "Two checkpoint sizes: OLD NEW (NEW may be `latest`).")
    var consistency: [String] = []

    func validate() throws {
        guard (event != nil) != !consistency.isEmpty else { throw ValidationError("Give either --event ID or --consistency OLD NEW.") }
        if !consistency.isEmpty && consistency.count != 2 { throw ValidationError("--consistency takes two checkpoint sizes: OLD NEW.") }
    }

    func run() async throws {
        let configuration = try options.load()
        guard FileManager.default.fileExists(atPath: configuration.journalPath) else {
            throw ValidationError("No journal at \(configuration.journalPath).")
        }
        let store = try JournalStore(path: configuration.journalPath)
        let checkpoints = try await store.checkpointEvents().compactMap(\.checkpoint)
        guard let newest = checkpoints.max(by: { $0.size < $1.size }) else {
            throw ValidationError("The journal holds no signed checkpoint yet; the gateway signs one every few seconds while it runs.")
        }
        func find(_ size: Int64) throws -> Checkpoint {
            guard let found = checkpoints.last(where: { $0.size == size }) else {
                throw ValidationError("No checkpoint covers exactly \(size) entries; sizes available: \(Set(checkpoints.map(\.size)).sorted().suffix(10).map(String.init).joined(separator: ", ")) ...")
            }
            return found
        }
        let document: String
        var detail: [String: String]
        if let event {
            guard let id = EventID(rawValue: event), let entry = try await store.entry(id: id) else {
                throw ValidationError("No event \(event) in the journal.")
            }
            let against = try checkpoint.map(find) ?? newest
            document = try await store.inclusionProof(of: entry, against: against).document
            detail = ["proof": "inclusion", "event": event, "checkpointSize": String(against.size)]
        } else {
            let old = try Int64(consistency[0]).map(find) ?? { throw ValidationError("OLD must be a checkpoint size") }()
            let new = consistency[1] == "latest" ? newest : try Int64(consistency[1]).map(find) ?? { throw ValidationError("NEW must be a checkpoint size or latest") }()
            document = try await store.consistencyProof(from: old, to: new).document
            detail = ["proof": "consistency", "oldSize": String(old.size), "newSize": String(new.size)]
        }
        // Producing evidence from the log is a look at the log: recorded before it is shown.
        let logger = makeLogger("readaudit.prove", level: "warning")
        try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
            let time = SystemWallClock().now()
            _ = try await journal.append(AuditEventDraft(
                id: .make(at: time), time: time, node: configuration.node, action: .auditProve, outcome: .ok,
                credential: "cli:\(NSUserName())", detail: detail))
        }
        print(document)
    }
}

extension Keys {
    struct PublicKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public",
            abstract: "Print the checkpoint signing public keys (current and retired): give them to your auditors for `verify --public-keys`.")

        @OptionGroup var options: JournalOptions

        func run() async throws {
            let keyring = SigningKeyring(directory: try options.load().keysPath)
            guard FileManager.default.fileExists(atPath: keyring.publicKeysPath) else {
                throw ValidationError("No signing key in \(keyring.directory) yet: the gateway creates one when it first starts, or run `readaudit keys rotate`.")
            }
            _ = try keyring.publicKeys()
            print(try String(contentsOfFile: keyring.publicKeysPath, encoding: .utf8), terminator: "")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new checkpoint signing key; the old public key is kept so old checkpoints still verify.",
            discussion: "A running gateway signs with the new key from its next checkpoint on. The rotation is recorded in the journal.")

        @OptionGroup var options: JournalOptions

        func run() async throws {
            let configuration = try options.load()
            let keyring = SigningKeyring(directory: configuration.keysPath)
            let (old, new) = try keyring.rotate(now: SystemWallClock().now())
            if FileManager.default.fileExists(atPath: configuration.journalPath) {
                let store = try JournalStore(path: configuration.journalPath)
                try await SQLiteJournal.withRunning(store: store, logger: makeLogger("readaudit.keys", level: "warning")) { journal in
                    let time = SystemWallClock().now()
                    var detail = ["newKeyId": new.keyID]
                    if let old { detail["oldKeyId"] = old.keyID }
                    _ = try await journal.append(AuditEventDraft(
                        id: .make(at: time), time: time, node: configuration.node, action: .keyRotated, outcome: .ok,
                        credential: "cli:\(NSUserName())", detail: detail))
                }
            }
            print("New signing key \(new.keyID)\(old.map { " replaces \($0.keyID)" } ?? ""). Public keys (give these to your auditors):")
            print(try String(contentsOfFile: keyring.publicKeysPath, encoding: .utf8), terminator: "")
        }
    }
}
