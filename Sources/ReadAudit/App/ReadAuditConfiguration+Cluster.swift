import Foundation

extension ReadAuditConfiguration {
    /// Applies `cluster:` (documented in readaudit.example.yaml and docs/multi-node.md). Unknown keys are errors.
    mutating func applyCluster(_ top: YAMLMap, environment: [String: String], baseDirectory: String, resolvingSecrets: Bool) throws {
        guard let map = try top.map("cluster") else { return }
        try map.allowOnly(["postgres", "leaderCheckIntervalMs", "detectorPollIntervalMs", "denyListResyncMs", "shipDelayMs", "shipBatch"])
        guard let pg = try map.map("postgres") else { throw map.error("postgres", "is required in multi-node mode") }
        try pg.allowOnly(["host", "port", "database", "user", "password", "tls", "caFile", "serverName", "poolSize", "connectTimeoutMs"])
        var settings = PostgresSettings()
        if let value = try pg.string("host") { settings.host = value }
        if let value = try pg.positive("port") { settings.port = value }
        if let value = try pg.string("database") { settings.database = value }
        if let value = try pg.string("user") { settings.user = value }
        if pg.keys.contains("password") {
            if resolvingSecrets {
                settings.password = try Self.secret(pg, "password", environment: environment)
            } else {
                // Commands that need no other secret (report, verify, agents) still need this one in multi-node
                // mode: resolve it, and keep a failure to tell them if they connect.
                do {
                    settings.password = try Self.secret(pg, "password", environment: environment)
                } catch {
                    settings.passwordProblem = "\(error)"
                }
            }
        } else if let value = environment["READAUDIT_PG_PASSWORD"], !value.isEmpty {
            settings.password = Secret(value)
        }
        if let value = try pg.string("tls") {
            guard let mode = PostgresSettings.TLSMode(rawValue: value) else {
                throw pg.error("tls", "must be one of \(PostgresSettings.TLSMode.allCases.map(\.rawValue).joined(separator: ", ")), not \(value)")
            }
            settings.tls = mode
        }
        if let value = try pg.string("caFile") { settings.caFile = value.hasPrefix("/") || baseDirectory.isEmpty ? value : (baseDirectory as NSString).appendingPathComponent(value) }
        if let value = try pg.string("serverName") { settings.serverName = value }
        if let value = try pg.positive("poolSize") {
            guard value >= 4 else { throw pg.error("poolSize", "must be at least 4 (the sink, the deny list's listener, the leader and queries each hold one)") }
            settings.poolSize = value
        }
        if let value = try pg.positive("connectTimeoutMs") { settings.connectTimeout = .milliseconds(value) }
        var cluster = ClusterConfiguration(postgres: settings)
        if let value = try map.positive("leaderCheckIntervalMs") { cluster.leaderCheckInterval = .milliseconds(value) }
        if let value = try map.positive("detectorPollIntervalMs") { cluster.detectorPollInterval = .milliseconds(value) }
        if let value = try map.positive("denyListResyncMs") { cluster.denyListResync = .milliseconds(value) }
        if let value = try map.int("shipDelayMs") {
            guard value >= 0 else { throw map.error("shipDelayMs", "must be 0 or more") }
            cluster.shipDelay = .milliseconds(value)
        }
        if let value = try map.positive("shipBatch") { cluster.shipBatch = value }
        self.cluster = cluster
    }
}
