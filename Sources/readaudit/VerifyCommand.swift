import ArgumentParser
import Foundation
import Logging
import ReadAudit

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk the hash chain and hold it to every signed checkpoint; exit 0 when intact, 1 naming the first bad sequence number.",
        discussion: """
            With --checkpoints, the journal is also held to checkpoints kept outside it (a sink's copy), which \
            detects the removal of its newest entries and a rewritten file. With --proof, checks an inclusion or \
            consistency proof offline, with only the public keys.
            """)

    @OptionGroup var options: JournalOptions

    @Flag(name: .customLong("read-only"), help: "Check a copy without recording the verification in it.")
    var readOnly = false

    @Option(name: .customLong("checkpoints"), help: "A file of JSON lines holding checkpoint events, e.g. a sink's copy (repeatable).")
    var checkpointFiles: [String] = []

    @Option(name: .customLong("public-keys"), help: "Trusted public keys (`readaudit keys public` output). Default: the keys directory's copy.")
    var publicKeysFile: String?

    @Option(name: .long, help: "With checkpoints of several nodes: the node whose journal this is.")
    var node: String?

    @Option(name: .long, help: "Check this inclusion or consistency proof (from `readaudit prove`) instead of the journal.")
    var proof: String?

    @Flag(name: .long, help: "In multi-node mode, check only this node's journal, not every node's chain in PostgreSQL.")
    var local = false

    func run() async throws {
        let configuration = try options.load()
        let logger = makeLogger("readaudit.verify", level: "warning")
        let keys = try trustedKeys(configuration)
        if let proof {
            try verifyProof(at: proof, keys: keys)
            return
        }
        var external: [Checkpoint] = []
        for file in checkpointFiles {
            do {
                external += try ExternalCheckpoints.read(String(contentsOfFile: file, encoding: .utf8))
            } catch {
                throw ValidationError("--checkpoints \(file): \(error)")
            }
        }
        if let cluster = configuration.cluster, !local {
            try await verifyCluster(cluster, configuration: configuration, keys: keys, external: external, logger: logger)
            return
        }
        guard FileManager.default.fileExists(atPath: configuration.journalPath) else {
            throw ValidationError("No journal at \(configuration.journalPath).")
        }
        let nodes = Set(external.map(\.node))
        if node == nil && nodes.count > 1 {
            throw ValidationError("--checkpoints hold checkpoints of nodes \(nodes.sorted().joined(separator: ", ")); name this journal's with --node.")
        }
        let store = try JournalStore(path: configuration.journalPath, readOnly: readOnly)
        let evidence = VerificationEvidence(publicKeys: keys.ring, external: external, node: node)
        let result = try await JournalVerification.verify(store, evidence: evidence, archiveDirectory: configuration.archivePath)
        // The verification is recorded in the chain before its answer is shown (PCI DSS 10.2.1.3).
        if !readOnly {
            try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
                let time = SystemWallClock().now()
                var detail = [
                    "verified": String(result.verifiedCount), "checkpoints": String(result.checkpointsVerified),
                    "signedSize": String(result.signedSize), "externalCheckpoints": String(external.count),
                ]
                if let problem = result.problem {
                    detail["firstBadSequence"] = String(problem.sequence)
                    detail["problem"] = problem.kind.rawValue
                }
                _ = try await journal.append(AuditEventDraft(
                    id: .make(at: time), time: time, node: configuration.node, action: .auditVerify,
                    outcome: result.isIntact ? .ok : .failed, credential: "cli:\(NSUserName())", detail: detail))
            }
        }
        if let problem = result.problem {
            print("FAILED: \(problem)")
            print("\(result.verifiedCount) entries verified before it.")
            throw ExitCode(1)
        }
        print("OK: \(result.verifiedCount) entries, chain intact, head \(result.head.hex)")
        print("Signed: \(result.checkpointsVerified) checkpoint(s) verified (\(external.count) external); the newest covers \(result.signedSize) entries.")
        for note in keys.notes + result.notes { print("Note: \(note)") }
    }

    /// Multi-node mode: every node's chain as PostgreSQL holds it, each held to its own node's checkpoints
    /// (from the chain itself and from `--checkpoints`). The run is recorded in this node's journal.
    private func verifyCluster(
        _ cluster: ClusterConfiguration, configuration: ReadAuditConfiguration, keys: (ring: PublicKeyring?, notes: [String]),
        external: [Checkpoint], logger: Logger
    ) async throws {
        let results = try await ClusterDatabase.withRunning(cluster.postgres, logger: logger) { database in
            var results: [(chain: String, result: VerificationResult)] = []
            for chain in try await ClusterChain.chains(in: database) {
                let evidence = VerificationEvidence(publicKeys: keys.ring, external: external.filter { $0.node == chain }, node: chain)
                results.append((chain, try await JournalVerification.verify(ClusterChain(database: database, chain: chain), evidence: evidence)))
            }
            return results
        }
        let failed = results.filter { !$0.result.isIntact }
        if !readOnly {
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
            let store = try JournalStore(path: configuration.journalPath)
            try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
                let time = SystemWallClock().now()
                var detail = [
                    "scope": "cluster", "chains": String(results.count), "failedChains": String(failed.count),
                    "verified": String(results.reduce(0) { $0 + $1.result.verifiedCount }),
                    "checkpoints": String(results.reduce(0) { $0 + $1.result.checkpointsVerified }), "externalCheckpoints": String(external.count),
                ]
                if let first = failed.first, let problem = first.result.problem {
                    detail["firstBadChain"] = first.chain
                    detail["firstBadSequence"] = String(problem.sequence)
                    detail["problem"] = problem.kind.rawValue
                }
                _ = try await journal.append(AuditEventDraft(
                    id: .make(at: time), time: time, node: configuration.node, action: .auditVerify,
                    outcome: failed.isEmpty ? .ok : .failed, credential: "cli:\(NSUserName())", detail: detail))
            }
        }
        if results.isEmpty { print("Note: PostgreSQL holds no events yet.") }
        for (chain, result) in results {
            if let problem = result.problem {
                print("FAILED \(chain): \(problem) (\(result.verifiedCount) entries verified before it)")
            } else {
                print("OK \(chain): \(result.verifiedCount) entries, chain intact, head \(result.head.hex); \(result.checkpointsVerified) checkpoint(s) verified, the newest covering \(result.signedSize) entries")
            }
        }
        for note in keys.notes + Set(results.flatMap(\.result.notes)).sorted() { print("Note: \(note)") }
        if !failed.isEmpty { throw ExitCode(1) }
    }

    /// The public keys to trust: the file given, else the keys directory's copy (with a note saying so).
    private func trustedKeys(_ configuration: ReadAuditConfiguration) throws -> (ring: PublicKeyring?, notes: [String]) {
        if let publicKeysFile {
            do {
                return (try PublicKeyring(text: String(contentsOfFile: publicKeysFile, encoding: .utf8)), [])
            } catch {
                throw ValidationError("--public-keys \(publicKeysFile): \(error)")
            }
        }
        let keyring = SigningKeyring(directory: configuration.keysPath)
        guard FileManager.default.fileExists(atPath: keyring.publicKeysPath) else { return (nil, []) }
        return (
            try keyring.publicKeys(),
            ["Trusted the public keys stored next to the journal; pass --public-keys with the copy your auditors keep."]
        )
    }

    private func verifyProof(at path: String, keys: (ring: PublicKeyring?, notes: [String])) throws {
        guard let ring = keys.ring else {
            throw ValidationError("Checking a proof needs the node's public keys: pass --public-keys with `readaudit keys public` output.")
        }
        let document = try String(contentsOfFile: path, encoding: .utf8)
        let problem: String?
        let summary: String
        do {
            if document.contains(ConsistencyProof.format) {
                let proof = try ConsistencyProof(document: document)
                problem = proof.problem(publicKeys: ring)
                summary = "the checkpoint of \(proof.old.size) entries is a prefix of the checkpoint of \(proof.new.size) entries (node \(proof.new.node))"
            } else {
                let proof = try InclusionProof(document: document)
                problem = proof.problem(publicKeys: ring)
                summary = "event \(proof.entry.event.id) is entry \(proof.entry.sequence) of the \(proof.checkpoint.size) entries signed by node \(proof.checkpoint.node) at \(proof.checkpoint.time)"
            }
        } catch {
            print("FAILED: \(error)")
            throw ExitCode(1)
        }
        if let problem {
            print("FAILED: \(problem)")
            throw ExitCode(1)
        }
        print("OK: \(summary)")
        for note in keys.notes { print("Note: \(note)") }
    }
}
