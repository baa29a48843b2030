import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The `syslog` sink's configuration keys.
@Suite struct SyslogConfigurationTests {
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
}
