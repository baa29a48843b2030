import Crypto
import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

/// `readaudit sinks test` and `readaudit hash-id`, run as the real binary.
@Suite struct SinkCommandTests {
    @Test func sinksTestReportsWhatEachSinkSaid() async throws {
        try await StubSplunkHEC().run { hec in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let config = directory.file("c.yaml")
            try """
                dataDirectory: \(directory.path)
                sinks:
                  - {type: file, name: local, path: audit.jsonl}
                  - {type: splunk_hec, name: splunk, url: "\(hec.url)", token: {env: HEC_TOKEN}}
                  - {type: splunk_hec, name: wrong-token, url: "\(hec.url)", token: {env: WRONG_TOKEN}}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            setenv("HEC_TOKEN", hec.token, 1)
            setenv("WRONG_TOKEN", "nope", 1)
            let result = try ReadAuditBinary.run(["sinks", "test", "--config", config])
            #expect(result.status == 1, "one sink refused us")
            #expect(result.stdout.contains("local (file): delivered"))
            #expect(result.stdout.contains("splunk (splunk_hec): delivered"))
            #expect(result.stdout.contains("wrong-token (splunk_hec): refused us: HEC HTTP 403 code 4"))
            #expect(!result.stdout.contains("nope") && !result.stdout.contains(hec.token), "secrets never print")
            // The test event is a journal event, and what reached Splunk is that event.
            let store = try JournalStore(path: directory.file("journal.sqlite"))
            let entry = try #require(try await store.entries(after: 0, limit: 10).first)
            #expect(entry.event.action == .sinkTest)
            #expect(hec.received == [entry.event.id.rawValue])
        }
    }

    @Test func hashIDPrintsWhatAPseudonymisingSinkSends() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.file("c.yaml")
        try "pseudonymKey: {env: PSEUDONYM_KEY}\n".write(toFile: config, atomically: true, encoding: .utf8)
        setenv("PSEUDONYM_KEY", "deployment-secret", 1)
        let result = try ReadAuditBinary.run(["hash-id", "--config", config, "C-100001"])
        #expect(result.status == 0)
        let expected = EventExporter.pseudonym(of: "C-100001", key: SymmetricKey(data: Data("deployment-secret".utf8)))
        #expect(result.stdout == expected + "\n")
        // HMAC-SHA256, as any auditor can recompute it with openssl.
        #expect(expected == "hmac-sha256:" + HMAC<SHA256>.authenticationCode(
            for: Data("C-100001".utf8), using: SymmetricKey(data: Data("deployment-secret".utf8))).map { String(format: "%02x", $0) }.joined())
    }
}
