import Foundation
import Logging
import PostgresNIO
import ReadAudit
import ReadAuditTestSupport
import Testing

/// `cluster:`: parsing, credentials from the environment or a file (never the file itself), and TLS to a
/// real PostgreSQL that verifies the server's certificate.
@Suite struct ClusterConfigurationTests {
    func load(_ yaml: String, environment: [String: String] = [:]) throws -> ReadAuditConfiguration {
        try ReadAuditConfiguration.load(yaml: yaml, environment: environment)
    }

    @Test func singleNodeByDefault() throws {
        #expect(try ReadAuditConfiguration.load(path: nil, environment: [:]).cluster == nil)
    }

    @Test func passwordComesFromTheNamedVariableOrAFileOrTheDefaultVariable() throws {
        let named = try load("cluster: {postgres: {host: db, password: {env: PGPW}}}", environment: ["PGPW": "s3cret"])
        #expect(named.cluster?.postgres.password?.value == "s3cret")
        #expect(named.cluster?.postgres.host == "db")
        #expect(named.cluster?.postgres.tls == .prefer)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try "from-a-file\n".write(toFile: directory.file("pw"), atomically: true, encoding: .utf8)
        let file = try load("cluster: {postgres: {password: {file: \(directory.file("pw"))}}}")
        #expect(file.cluster?.postgres.password?.value == "from-a-file")
        let fallback = try load("cluster: {postgres: {}}", environment: ["READAUDIT_PG_PASSWORD": "env-default"])
        #expect(fallback.cluster?.postgres.password?.value == "env-default")
        #expect("\(fallback.cluster!.postgres.password!)" == "<redacted>")
    }

    @Test func badClusterSettingsAreRefusedByName() throws {
        #expect(throws: ConfigurationError.self) { try load("cluster: {}") }
        #expect(throws: ConfigurationError.self) { try load("cluster: {postgres: {tls: sometimes}}") }
        #expect(throws: ConfigurationError.self) { try load("cluster: {postgres: {poolSize: 2}}") }
        #expect(throws: ConfigurationError.self) { try load("cluster: {postgres: {password: plain-text}}") }
        #expect(throws: ConfigurationError.self) { try load("cluster: {postgres: {}, leaderCheckMs: 5}") }
        #expect(throws: ConfigurationError.self) { try load("cluster: {postgres: {password: {env: UNSET_VARIABLE}}}") }
        // The cluster's own shipping cursor is named postgres.
        #expect(throws: ConfigurationError.self) {
            try load("cluster: {postgres: {}}\nsinks: [{type: file, name: postgres, path: x.jsonl}]")
        }
    }

    @Test func aNodeArchivesOnlyWhatReachedPostgreSQL() throws {
        // The archiver waits for the cluster's postgres cursor (else a node could purge events PostgreSQL never
        // got), and not for a local detector cursor that no one moves in multi-node mode (it would never archive).
        let clustered = Archiver.Settings(configuration: try load("cluster: {postgres: {}}", environment: ["READAUDIT_PG_PASSWORD": "x"]))
        #expect(clustered.consumers.contains(PostgresSink.cursorName))
        #expect(!clustered.consumers.contains(Detector.cursorName))
        let alone = Archiver.Settings(configuration: try ReadAuditConfiguration.load(path: nil, environment: [:]))
        #expect(alone.consumers.contains(Detector.cursorName))
        #expect(!alone.consumers.contains(PostgresSink.cursorName))
    }

    @Test func tlsToPostgreSQLVerifiesTheServerCertificate() async throws {
        let certificates = try await TestCertificates.shared()
        try await RealPostgres.withRunning(certificates: certificates) { server in
            var settings = server.settings
            settings.tls = .require
            settings.caFile = certificates.caFile
            settings.serverName = "localhost"
            let database = try ClusterDatabase(settings: settings, logger: Logger(label: "test"), statementTimeout: .seconds(5))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await database.run() }
                defer { group.cancelAll() }
                let encrypted = try await database.withConnection { connection in
                    try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: Logger(label: "test"))
                        .collect().first?.decode(Bool.self)
                }
                #expect(encrypted == true)
            }
            // A server whose certificate no trusted CA signed is refused, never used in the clear.
            settings.caFile = certificates.otherCAFile
            let untrusting = try ClusterDatabase(settings: settings, logger: Logger(label: "test"), statementTimeout: .seconds(3))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await untrusting.run() }
                defer { group.cancelAll() }
                await #expect(throws: (any Error).self) {
                    try await untrusting.withConnection { connection in
                        try await connection.query("SELECT 1", logger: Logger(label: "test")).collect().count
                    }
                }
            }
        }
    }
}
