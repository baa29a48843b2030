import AsyncHTTPClient
import Foundation
import NIOCore
import ReadAudit
import ReadAuditTestSupport
import Synchronization
import Testing

/// The real binary, killed with SIGKILL mid-load, loses no event it acknowledged.
@Suite struct CrashSafetyTests {
    static func configuration(directory: TemporaryDirectory, crmURL: String, hec: StubSplunkHEC, durability: String = "fsync") throws -> String {
        let path = directory.file("readaudit.yaml")
        try """
            node: crash-test
            dataDirectory: \(directory.path)
            logLevel: info
            listen: {host: 127.0.0.1, port: 0}
            journal: {durability: \(durability)}
            crm: {url: "\(crmURL)", connectTimeoutMs: 3000, readTimeoutMs: 6000}
            credentials:
              - name: \(TestCredentials.name)
                keyHash: "\(CallerCredential.hashText(ofKey: TestCredentials.key))"
            sinks:
              - {type: file, name: file, path: audit.jsonl}
              - type: splunk_hec
                name: splunk
                url: "\(hec.url)"
                token: {env: CRASH_TEST_HEC_TOKEN}
                batch: {maxEvents: 100, maxDelayMs: 0}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// In `durability: os` too: a SIGKILL ends the process, not the kernel, which still holds every commit.
    @Test(.serialized, arguments: ["fsync", "os"])
    func everyAcknowledgedEventSurvivesSIGKILLAndTheChainVerifies(durability: String) async throws {
        try await StubCRM().run { crm in
          try await StubSplunkHEC().run { hec in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            setenv("CRASH_TEST_HEC_TOKEN", hec.token, 1)
            let config = try Self.configuration(directory: directory, crmURL: crm.urlTemplate, hec: hec, durability: durability)

            let gateway = try RunningGateway(arguments: ["serve", "--config", config])
            let port = try await gateway.waitForPort()
            let acknowledged = LockedBox<[String]>([])
            let killed = LockedBox(false)

            // 16 concurrent clients read until the process dies under them.
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        while !killed.withLock({ $0 }) {
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/customer-data")
                            request.method = .POST
                            request.headers.add(name: "Authorization", value: TestCredentials.bearer)
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(string: TestCredentials.body(customerId: worker % 2 == 0 ? "C-1" : "C-2")))
                            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)) else { continue }
                            if let id = response.headers.first(name: "Audit-Event-Id"), response.status == .ok {
                                acknowledged.withLock { $0.append(id) }
                            }
                            _ = try? await response.body.collect(upTo: 1 << 20)
                        }
                    }
                }
                group.addTask {
                    // Kill once a few hundred reads have been acknowledged, with more in flight.
                    while acknowledged.withLock({ $0.count }) < 300 { try? await Task.sleep(for: .milliseconds(5)) }
                    gateway.kill9()
                    killed.withLock { $0 = true }
                }
            }
            let ids = acknowledged.withLock { $0 }
            #expect(ids.count >= 300)

            // Restart on the same data directory: it must start, and every acknowledged id must be there.
            let restarted = try RunningGateway(arguments: ["serve", "--config", config])
            _ = try await restarted.waitForPort()
            let store = try JournalStore(path: directory.file("journal.sqlite"))
            let stored = Set(try await store.entries(after: 0, limit: 1_000_000).map(\.event.id.rawValue))
            let missing = ids.filter { !stored.contains($0) }
            #expect(missing.isEmpty, "acknowledged but not in the journal: \(missing.prefix(5))")

            // The file sink catches up after the restart without losing or repeating a line.
            let head = try await store.headSequence()
            var lines: [Int64] = []
            for _ in 0..<1000 {
                lines = try Self.sequences(inFile: directory.file("audit.jsonl"))
                if lines.last ?? 0 >= head { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(lines == Array(1...(lines.last ?? 0)), "the JSON-lines copy must hold each sequence once, in order")
            #expect((lines.last ?? 0) >= head)

            // HEC gets every event at least once; the crash costs at most one re-sent batch (100 events).
            for _ in 0..<2000 where try await store.cursor(sink: "splunk") ?? 0 < head {
                try await Task.sleep(for: .milliseconds(10))
            }
            let atHEC = hec.received
            let journalIds = try await store.entries(after: 0, limit: Int(head)).map(\.event.id.rawValue)
            #expect(Set(journalIds).isSubset(of: Set(atHEC)), "every event reached HEC")
            #expect(atHEC.count - Set(atHEC).count <= 100, "at most one batch was sent twice")
            restarted.terminate()

            // Starts and the graceful stop are in the chain; the SIGKILLed run has a start and no stop.
            let actions = try await store.entries(after: 0, limit: 1_000_000).map(\.event.action)
            #expect(actions.first == .gatewayStart)
            // The graceful stop is the last event but the final checkpoint, which signs over it.
            #expect(Array(actions.suffix(2)) == [.gatewayStop, .auditCheckpoint])
            #expect(actions.filter { $0 == .gatewayStart }.count == 2)
            #expect(actions.filter { $0 == .gatewayStop }.count == 1)
            // A graceful stop drains the shipper: the stop event and final checkpoint are already in the file sink's copy.
            #expect(try Self.sequences(inFile: directory.file("audit.jsonl")).last == Int64(actions.count))

            let verify = try ReadAuditBinary.run(["verify", "--data-dir", directory.path])
            #expect(verify.status == 0, "\(verify.stdout)")
          }
        }
    }

    static func sequences(inFile path: String) throws -> [Int64] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: #""seq":(\d+)"#, options: .regularExpression) else { return nil }
            return Int64(line[range].dropFirst(6))
        }
    }
}
