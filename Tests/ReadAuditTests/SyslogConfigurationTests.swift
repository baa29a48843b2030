import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The `syslog` sink's configuration keys, and the example file that documents them.
@Suite struct SyslogConfigurationTests {
    static let examplePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("readaudit.example.yaml").path

    static func load(_ yaml: String) throws -> ReadAuditConfiguration {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("c.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ReadAuditConfiguration.load(path: path, environment: ["CRM_TOKEN": "t"])
    }

    @Test func everySyslogKeyReachesTheConfiguration() throws {
        let configuration = try Self.load("""
            node: gw-7
            sinks:
              - type: syslog
                name: siem
                host: siem.example.com
                port: 6514
                transport: tls
                format: cef
                facility: 10
                appName: ra
                hostname: audit-gw
                connectTimeoutMs: 1500
                writeTimeoutMs: 9000
                tls: {caFile: /etc/ca.pem, certFile: /etc/c.pem, keyFile: /etc/k.pem, serverName: siem.internal}
            """)
        #expect(configuration.sinks == [SinkConfiguration(name: "siem", kind: .syslog(SyslogSinkConfiguration(
            host: "siem.example.com", port: 6514, transport: .tls, format: .cef, facility: 10, appName: "ra", hostname: "audit-gw",
            caFile: "/etc/ca.pem", certificateFile: "/etc/c.pem", keyFile: "/etc/k.pem", serverName: "siem.internal",
            connectTimeout: .milliseconds(1500), writeTimeout: .milliseconds(9000))))])
    }

    @Test func theExampleSyslogSinkLoadsWhenUncommented() throws {
        let lines = try String(contentsOfFile: Self.examplePath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "  # - type: syslog"), "the example documents a syslog sink")
        let block = lines[start...].prefix { $0.hasPrefix("  # ") }.map { "  " + $0.dropFirst(4) }
        let uncommented = lines[..<start].joined(separator: "\n") + "\n" + block.joined(separator: "\n") + "\n"
        let configuration = try Self.load(uncommented)
        guard case .syslog(let syslog)? = configuration.sinks.first(where: { $0.name == "syslog" })?.kind else {
            Issue.record("the uncommented example has no syslog sink: \(configuration.sinks)")
            return
        }
        #expect(syslog.host == "siem.example.com" && syslog.port == 6514 && syslog.transport == .tls)
        #expect(syslog.caFile != nil && syslog.certificateFile != nil && syslog.keyFile != nil && syslog.serverName != nil)
    }
}
