import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

@Suite struct ConfigurationTests {
    func load(_ yaml: String, environment: [String: String] = [:]) throws -> ReadAuditConfiguration {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("c.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ReadAuditConfiguration.load(path: path, environment: environment)
    }

    @Test func theExampleConfigurationLoads() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("readaudit.example.yaml").path
        let configuration = try ReadAuditConfiguration.load(path: example, environment: ["CRM_TOKEN": "t"])
        #expect(!configuration.credentials.isEmpty)
        #expect(configuration.crm.urlTemplate.contains("{customerId}"))
    }

    @Test func defaultsNeedNothingButADataDirectory() throws {
        let configuration = try ReadAuditConfiguration.load(path: nil, environment: [:])
        #expect(configuration.sinks == [SinkConfiguration(name: "file", kind: .file(path: "audit.jsonl"))])
        #expect(configuration.maxBodyBytes == 16 * 1024)
        #expect(configuration.masks["ssn"] == .last4)
        #expect(configuration.masks["cardNumber"] == .pan)
    }

    @Test func environmentOverridesTheFileAndSecretsComeFromTheEnvironment() throws {
        let configuration = try load("""
            listen: {port: 9000}
            crm:
              url: https://crm.example.com/c/{customerId}
              auth: {type: bearer, token: {env: MY_TOKEN}}
            """, environment: ["READAUDIT_PORT": "9100", "MY_TOKEN": "s3cret"])
        #expect(configuration.port == 9100)
        guard case .bearer(let token) = configuration.crm.auth else {
            Issue.record("expected bearer auth")
            return
        }
        #expect(token.value == "s3cret")
        #expect("\(configuration.crm.auth)".contains("s3cret") == false)
    }

    @Test func journalCommandsDoNotNeedTheCRMSecrets() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("c.yaml")
        try "crm: {url: 'http://x/{customerId}', auth: {type: bearer, token: {env: UNSET_VARIABLE}}}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try ReadAuditConfiguration.load(path: path, environment: [:]) }
        #expect(try ReadAuditConfiguration.load(path: path, environment: [:], resolvingSecrets: false).crm.urlTemplate == "http://x/{customerId}")
    }

    @Test(arguments: [
        ("colour: blue", "colour"),
        ("crm: {url: 'http://x/customers'}", "crm.url"),
        ("crm: {url: 'http://x/c?id={customerId}'}", "crm.url"),
        ("credentials: [{name: a, keyHash: 'md5:00'}]", "credentials[0].keyHash"),
        ("masks: {ssn: hide}", "masks.ssn"),
        ("sinks: [{type: kafka}]", "sinks[0].type"),
        ("crm: {url: 'http://x/{customerId}', auth: {type: bearer, token: {env: UNSET_VARIABLE}}}", "crm.auth.token"),
        ("journal: {maxBatch: many}", "journal.maxBatch"),
        ("listen: {port: 70000}", "listen.port"),
        ("logLevel: loud", "logLevel"),
        ("crm: {url: 'http://x/{customerId}', readTimeoutMs: -1}", "crm.connectTimeoutMs and crm.readTimeoutMs"),
        ("crm: {url: 'http://x/{customerId}', auth: {type: none, token: x}}", "crm.auth.token"),
    ])
    func mistakesAreReportedByKey(_ yaml: String, _ key: String) {
        #expect { try load(yaml) } throws: { error in
            "\(error)".contains(key)
        }
    }
}
