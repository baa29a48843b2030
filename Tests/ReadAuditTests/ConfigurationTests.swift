import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

@Suite struct ConfigurationTests {
    func load(_ yaml: String, environment: [String: String] = [:]) throws -> ReadAuditConfiguration {
        try ReadAuditConfiguration.load(yaml: yaml, environment: environment)
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

    @Test func everySinkTypeIsReadWithItsPolicy() throws {
        let configuration = try load("""
            pseudonymKey: {env: KEY}
            sinks:
              - {type: file, path: audit.jsonl}
              - type: splunk_hec
                name: splunk
                url: https://splunk.example.com:8088
                token: {env: HEC}
                index: audit
                ack: {enabled: true, pollIntervalMs: 250, timeoutMs: 30000}
                batch: {maxEvents: 200, maxBytes: 500000, maxDelayMs: 250}
                pseudonymize: true
                degradedAfterSeconds: 120
              - {type: datadog, site: datadoghq.eu, apiKey: {env: DD}, ddtags: "env:prod"}
              - {type: syslog, host: siem.example.com, port: 6514, transport: tls, format: cef, tls: {caFile: /etc/ca.pem}}
              - {type: webhook, url: "https://soar.example.com/hook", secret: {env: HOOK}}
            """, environment: ["KEY": "k", "HEC": "h", "DD": "d", "HOOK": "w"])
        #expect(configuration.sinks.map(\.name) == ["file", "splunk", "datadog", "syslog", "webhook"])
        let splunk = configuration.sinks[1]
        #expect(splunk.pseudonymize && splunk.degradedAfter == .seconds(120))
        #expect(splunk.batch == SinkBatchLimits(maxEvents: 200, maxBytes: 500_000, maxDelay: .milliseconds(250)))
        guard case .splunkHEC(let hec) = splunk.kind else {
            Issue.record("expected HEC")
            return
        }
        #expect(hec.ack && hec.ackPollInterval == .milliseconds(250) && hec.index == "audit" && hec.token.value == "h")
        guard case .datadog(let datadog) = configuration.sinks[2].kind, case .syslog(let syslog) = configuration.sinks[3].kind else {
            Issue.record("expected datadog and syslog")
            return
        }
        #expect(datadog.endpoint == "https://http-intake.logs.datadoghq.eu/api/v2/logs")
        #expect(configuration.sinks[2].batch.maxEvents == 1000 && configuration.sinks[2].batch.maxBytes == 5_000_000)
        #expect(syslog.transport == .tls && syslog.format == .cef && syslog.caFile == "/etc/ca.pem")
    }

    @Test func aMistypedBooleanIsAnErrorNotFalse() {
        #expect {
            try load("sinks: [{type: splunk_hec, url: 'https://s', token: {env: T}, ack: {enabled: ture}}]", environment: ["T": "t"])
        } throws: { "\($0)".contains("ack.enabled") }
    }

    @Test func pseudonymisingNeedsAKey() {
        #expect { try load("sinks: [{type: file, path: a.jsonl, pseudonymize: true}]") } throws: { "\($0)".contains("pseudonymKey") }
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
