import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOCore
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Issue 5's evidence acceptance, end to end with the real binary: the checkpoints a sink received catch a
/// truncated journal and a re-hashed forgery; `prove` output verifies offline and no altered byte does.
@Suite(.serialized) struct EvidenceTests {
    /// A gateway run that did 30 reads, whose file sink holds a checkpoint covering all of them; stopped.
    struct Run {
        let directory: TemporaryDirectory
        var sinkCopy: String { directory.file("audit.jsonl") }
        var publicKeys: String { directory.file("auditor-public-keys.txt") }
        var journal: String { directory.file("journal.sqlite") }
    }

    static func gatewayRun() async throws -> Run {
        let directory = try TemporaryDirectory()
        try await StubCRM().run { crm in
            let config = directory.file("readaudit.yaml")
            try """
                node: evidence-test
                dataDirectory: \(directory.path)
                listen: {host: 127.0.0.1, port: 0}
                crm: {url: "\(crm.urlTemplate)", connectTimeoutMs: 3000, readTimeoutMs: 6000}
                credentials:
                  - name: \(TestCredentials.name)
                    keyHash: "\(CallerCredential.hashText(ofKey: TestCredentials.key))"
                sinks:
                  - {type: file, name: file, path: audit.jsonl, batch: {maxDelayMs: 0}}
                checkpoints: {everyEvents: 5, intervalSeconds: 1}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let gateway = try RunningGateway(arguments: ["serve", "--config", config])
            let port = try await gateway.waitForPort()
            for index in 0..<30 {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/customer-data")
                request.method = .POST
                request.headers.add(name: "Authorization", value: TestCredentials.bearer)
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: TestCredentials.body(customerId: "C-\(index % 2 + 1)")))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(response.status == .ok)
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            let head = try await JournalStore(path: directory.file("journal.sqlite"), readOnly: true).headSequence()
            // The sink is another process's output: watch it until a checkpoint covering every read arrives.
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let copy = (try? String(contentsOfFile: directory.file("audit.jsonl"), encoding: .utf8)) ?? ""
                if (try? ExternalCheckpoints.read(copy))?.contains(where: { checkpoint in checkpoint.size >= head }) == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            gateway.terminate()
            #expect(gateway.process.terminationStatus == 0, "\(gateway.output)")
        }
        let keys = try ReadAuditBinary.run(["keys", "public", "--data-dir", directory.path])
        #expect(keys.status == 0, "\(keys.stderr)")
        try keys.stdout.write(toFile: directory.file("auditor-public-keys.txt"), atomically: true, encoding: .utf8)
        return Run(directory: directory)
    }

    static func verify(_ run: Run, _ extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try ReadAuditBinary.run(
            ["verify", "--data-dir", run.directory.path, "--read-only", "--checkpoints", run.sinkCopy, "--public-keys", run.publicKeys] + extra)
    }

    static func dropTriggers(_ db: Database) throws {
        try db.execute(sql: "DROP TRIGGER events_refuse_update; DROP TRIGGER events_refuse_delete;")
    }

    /// Acceptance 1: the newest 10 events deleted (triggers dropped first) are caught by the sink's checkpoints.
    @Test func deletingTheNewestTenEventsIsDetectedByTheSinksCheckpoints() async throws {
        let run = try await Self.gatewayRun()
        defer { run.directory.remove() }
        let intact = try Self.verify(run)
        #expect(intact.status == 0, "\(intact.stdout) \(intact.stderr)")
        #expect(intact.stdout.contains("OK:") && !intact.stdout.contains("Signed: 0 "), "\(intact.stdout)")

        let queue = try DatabaseQueue(path: run.journal)
        let head = try await queue.write { db in
            try Self.dropTriggers(db)
            let head = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events")!
            try db.execute(sql: "DELETE FROM events WHERE seq > ?", arguments: [head - 10])
            return head
        }
        try queue.close()
        let result = try Self.verify(run)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED: sequence \(head - 9): truncated"), "\(result.stdout)")
        // Without the sink's copy, the chain alone looks whole: that is why checkpoints leave the box.
        let alone = try ReadAuditBinary.run(["verify", "--data-dir", run.directory.path, "--read-only", "--public-keys", run.publicKeys])
        #expect(alone.status == 0, "\(alone.stdout)")
    }

    /// Re-seals every entry after an edit into a new file, as a forger without the signing key would.
    /// `checkpoints`: keep the checkpoint events as they were, drop them, or re-sign them with the forger's key.
    enum ForgedCheckpoints { case kept, dropped, resigned }

    /// Returns the sequences the checkpoint events had in the original journal.
    @discardableResult
    static func forge(_ run: Run, checkpoints: ForgedCheckpoints) async throws -> [Int64] {
        let original = try JournalStore(path: run.journal, readOnly: true)
        let entries = try await original.entries(after: 0, limit: 1_000_000)
        try? FileManager.default.removeItem(atPath: run.journal)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: run.journal + suffix) }
        let forged = try JournalStore(path: run.journal)
        let forgerKeys = SigningKeyring(directory: run.directory.file("forger-keys"))
        let forgerKey = try forgerKeys.loadOrCreate(now: AuditTime(microseconds: 0)).key
        var written: Int64 = 0
        var checkpointSequences: [Int64] = []
        for entry in entries {
            var event = entry.event
            if entry.sequence == 5 { event.agent = "00000000-0000-4000-8000-000000000000" }
            if event.action == .auditCheckpoint {
                checkpointSequences.append(entry.sequence)
                switch checkpoints {
                case .kept: break
                case .dropped: continue
                case .resigned:
                    let old = try Checkpoint(event: event)
                    let head = try #require(try await forged.chainHash(at: old.size))
                    let root = try await forged.withMerkleTree { tree in try MerkleTree.root(size: old.size, source: tree) }
                    event.detail = try Checkpoint.sign(node: old.node, size: old.size, head: head, root: root, time: old.time, with: forgerKey).detail
                }
            }
            // A forgery keeps the same size as far as it can, so checkpoint sizes still point at entries.
            written += 1
            _ = try forged.commit([event])
        }
        #expect(written > 30)
        return checkpointSequences
    }

    /// Acceptance 1: a re-hashed forgery of the whole file fails, whatever it does with the checkpoints.
    @Test(arguments: [ForgedCheckpoints.kept, .dropped, .resigned])
    func aRehashedForgeryWithoutTheSigningKeyIsDetected(_ checkpoints: ForgedCheckpoints) async throws {
        let run = try await Self.gatewayRun()
        defer { run.directory.remove() }
        let checkpointSequences = try await Self.forge(run, checkpoints: checkpoints)
        // The chain itself is consistent: only the signatures can tell.
        let chainOnly = try ReadAuditBinary.run(["verify", "--data-dir", run.directory.path, "--read-only", "--public-keys", run.publicKeys])
        let result = try Self.verify(run)
        #expect(result.status == 1, "\(result.stdout)")
        switch checkpoints {
        case .kept:
            #expect(chainOnly.status == 1 && chainOnly.stdout.contains("checkpoint_mismatch"), "\(chainOnly.stdout)")
            #expect(result.stdout.contains("checkpoint_mismatch"), "\(result.stdout)")
        case .dropped:
            #expect(chainOnly.status == 0, "\(chainOnly.stdout)")
            // The first external checkpoint past the edit fails. Checkpoints come every 5 events or every
            // second, so on a loaded machine a timed one may shift which that is: it is the smallest one
            // covering entry 5.
            let sizes = try ExternalCheckpoints.read(String(contentsOfFile: run.sinkCopy, encoding: .utf8)).map(\.size)
            let first = try #require(sizes.filter { $0 >= 5 }.min())
            #expect(result.stdout.contains("FAILED: sequence \(first): checkpoint_mismatch"), "\(result.stdout) (external sizes \(sizes.sorted()))")
        case .resigned:
            #expect(chainOnly.status == 1 && chainOnly.stdout.contains("bad_checkpoint"), "\(chainOnly.stdout)")
            // The sink's copy disagrees from entry 5 on. A checkpoint timed before entry 5 (one a second, so a
            // loaded machine may write one there) is re-signed by the forger's key and fails first.
            if let early = checkpointSequences.filter({ $0 < 5 }).min() {
                #expect(result.stdout.contains("FAILED: sequence \(early): bad_checkpoint"), "\(result.stdout)")
            } else {
                #expect(result.stdout.contains("FAILED: sequence 5: checkpoint_mismatch"), "\(result.stdout)")
            }
        }
    }

    /// Acceptance 2: `prove --event` output verifies offline with only the public keys; any changed byte fails.
    @Test func anInclusionProofVerifiesOfflineAndNoAlteredByteDoes() async throws {
        let run = try await Self.gatewayRun()
        defer { run.directory.remove() }
        let store = try JournalStore(path: run.journal, readOnly: true)
        let read = try #require(try await store.entries(after: 0, limit: 100).last { entry in entry.event.action == .customerRead })
        let proved = try ReadAuditBinary.run(["prove", "--data-dir", run.directory.path, "--event", read.event.id.rawValue])
        #expect(proved.status == 0, "\(proved.stderr)")
        let proofFile = run.directory.file("proof.json")
        try proved.stdout.write(toFile: proofFile, atomically: true, encoding: .utf8)

        // Offline: an empty data directory, only the proof and the auditor's public keys.
        let offline = try TemporaryDirectory()
        defer { offline.remove() }
        let ok = try ReadAuditBinary.run(["verify", "--data-dir", offline.path, "--proof", proofFile, "--public-keys", run.publicKeys])
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        #expect(ok.stdout.contains("OK: event \(read.event.id)"), "\(ok.stdout)")
        #expect(!FileManager.default.fileExists(atPath: offline.file("journal.sqlite")))

        let keys = try PublicKeyring(text: String(contentsOfFile: run.publicKeys, encoding: .utf8))
        let document = Array(proved.stdout.trimmingCharacters(in: .newlines).utf8)
        #expect(try InclusionProof(document: String(decoding: document, as: UTF8.self)).problem(publicKeys: keys) == nil)
        var accepted: [Int] = []
        for index in document.indices {
            for flip: UInt8 in [0x01, 0x20] {
                var altered = document
                altered[index] ^= flip
                let text = String(decoding: altered, as: UTF8.self)
                if let proof = try? InclusionProof(document: text), proof.problem(publicKeys: keys) == nil { accepted.append(index) }
            }
        }
        #expect(accepted.isEmpty, "altered bytes accepted at offsets \(accepted.prefix(10))")

        // The same proof checked without ReadAudit at all: Python's standard library and openssl.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/verify_proof.py").path
        let independent = try await ChildProcess.run("/usr/bin/env", ["python3", script, proofFile, run.publicKeys])
        #expect(independent.status == 0 && independent.output.contains("OK: event \(read.event.id)"), "\(independent.output)")

        var bent = document
        bent[document.count / 2] ^= 0x01
        try String(decoding: bent, as: UTF8.self).write(toFile: proofFile, atomically: true, encoding: .utf8)
        let refused = try ReadAuditBinary.run(["verify", "--data-dir", offline.path, "--proof", proofFile, "--public-keys", run.publicKeys])
        #expect(refused.status == 1 && refused.stdout.contains("FAILED"), "\(refused.stdout)")
        // Altered inside the event (its customer id): the independent checker refuses it too.
        let altered = proved.stdout.replacingOccurrences(of: "\"customer\":\"C-", with: "\"customer\":\"D-")
        #expect(altered != proved.stdout)
        try altered.write(toFile: proofFile, atomically: true, encoding: .utf8)
        let independentRefusal = try await ChildProcess.run("/usr/bin/env", ["python3", script, proofFile, run.publicKeys])
        #expect(independentRefusal.status == 1 && independentRefusal.output.contains("FAILED"), "\(independentRefusal.output)")
        // A checkpoint whose signed time was changed: only the signature can tell, and openssl does.
        let retimed = try #require(proved.stdout.range(of: #""signedAt":"\d"#, options: .regularExpression))
        var resigned = proved.stdout
        let digit = resigned[resigned.index(before: retimed.upperBound)]
        resigned.replaceSubrange(resigned.index(before: retimed.upperBound)..<retimed.upperBound, with: digit == "1" ? "2" : "1")
        try resigned.write(toFile: proofFile, atomically: true, encoding: .utf8)
        let badSignature = try await ChildProcess.run("/usr/bin/env", ["python3", script, proofFile, run.publicKeys])
        #expect(badSignature.status == 1 && badSignature.output.contains("signature is invalid"), "\(badSignature.output)")

        // Producing the proof was itself recorded.
        let recorded = try await JournalStore(path: run.journal, readOnly: true).entries(after: 0, limit: 1000)
        #expect(recorded.contains { entry in entry.event.action == .auditProve && entry.event.detail["event"] == read.event.id.rawValue })
    }

    /// Acceptance 2: a consistency proof between two checkpoints verifies; against a forked history it fails.
    @Test func aConsistencyProofVerifiesAndAForkedHistoryDoesNot() async throws {
        let run = try await Self.gatewayRun()
        defer { run.directory.remove() }
        let store = try JournalStore(path: run.journal, readOnly: true)
        let sizes = try await store.checkpointEvents().compactMap { pair in pair.checkpoint?.size }
        #expect(sizes.count >= 3)
        let proved = try ReadAuditBinary.run(["prove", "--data-dir", run.directory.path, "--consistency", String(sizes[1]), "latest"])
        #expect(proved.status == 0, "\(proved.stderr)")
        let keys = try PublicKeyring(text: String(contentsOfFile: run.publicKeys, encoding: .utf8))
        let proof = try ConsistencyProof(document: proved.stdout)
        #expect(proof.problem(publicKeys: keys) == nil)
        let proofFile = run.directory.file("consistency.json")
        try proved.stdout.write(toFile: proofFile, atomically: true, encoding: .utf8)
        let offline = try ReadAuditBinary.run(["verify", "--data-dir", run.directory.file("none"), "--proof", proofFile, "--public-keys", run.publicKeys])
        #expect(offline.status == 0, "\(offline.stdout)")

        // A fork: the same node and key sign a history that differs from entry 3 on.
        let fork = try TemporaryDirectory()
        defer { fork.remove() }
        let forkStore = try JournalStore(path: fork.file("journal.sqlite"))
        let entries = try await store.entries(after: 0, limit: 1_000_000)
        for entry in entries.prefix(Int(proof.new.size)) {
            var event = entry.event
            if entry.sequence >= 3 { event.customer = "C-forked" }
            _ = try forkStore.commit([event])
        }
        let signer = CheckpointSigner(keyring: SigningKeyring(directory: run.directory.file("keys")), node: proof.old.node)
        let forkedOld = try await signer.checkpoint(size: proof.old.size, of: forkStore, at: proof.old.time)
        #expect(forkedOld.checkSignature(keys) == .valid)
        let mixed = ConsistencyProof(old: forkedOld, new: proof.new, path: proof.path)
        #expect(mixed.problem(publicKeys: keys) != nil)
        let forkPath = try await forkStore.consistencyProof(from: forkedOld, to: proof.new).path
        #expect(ConsistencyProof(old: forkedOld, new: proof.new, path: forkPath).problem(publicKeys: keys) != nil)
    }
}
