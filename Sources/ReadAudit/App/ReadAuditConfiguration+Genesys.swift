/// The `genesys:` and `checks:` sections.
extension ReadAuditConfiguration {
    static func genesys(_ map: YAMLMap, environment: [String: String], resolvingSecrets: Bool) throws -> GenesysConfiguration {
        try map.allowOnly([
            "region", "clientId", "clientSecret", "apiBaseUrl", "loginBaseUrl", "connectTimeoutMs", "readTimeoutMs", "conversationTtlSeconds",
        ])
        guard let region = try map.string("region"), !region.isEmpty else { throw map.error("region", "is required (e.g. mypurecloud.com)") }
        guard let clientId = try map.string("clientId"), !clientId.isEmpty else { throw map.error("clientId", "is required") }
        let secret = resolvingSecrets ? try Self.secret(map, "clientSecret", environment: environment) : Secret("")
        var genesys = GenesysConfiguration(
            region: region, clientId: clientId, clientSecret: secret, apiBaseURL: try map.string("apiBaseUrl"),
            loginBaseURL: try map.string("loginBaseUrl"))
        if let value = try map.int("connectTimeoutMs") { genesys.connectTimeout = .milliseconds(value) }
        if let value = try map.int("readTimeoutMs") { genesys.readTimeout = .milliseconds(value) }
        if let value = try map.int("conversationTtlSeconds") { genesys.conversationTTL = .seconds(value) }
        return genesys
    }

    static func applyChecks(_ map: YAMLMap, to configuration: inout ReadAuditConfiguration) throws {
        try map.allowOnly(["participant", "recency", "recentMinutes", "agentMatch", "denyList", "onGenesysUnavailable", "denyListRefreshMs"])
        func mode(_ key: String) throws -> CheckMode? {
            guard let text = try map.string(key) else { return nil }
            guard let mode = CheckMode(rawValue: text) else { throw map.error(key, "must be off, alert or enforce (got \(text))") }
            return mode
        }
        if let value = try mode("participant") { configuration.checks.participant = value }
        if let value = try mode("recency") { configuration.checks.recency = value }
        if let value = try mode("agentMatch") { configuration.checks.agentMatch = value }
        if let value = try mode("denyList") { configuration.checks.denyList = value }
        if let value = try map.int("recentMinutes") { configuration.checks.recentWindow = .seconds(value * 60) }
        if let value = try map.int("denyListRefreshMs") { configuration.denyListRefresh = .milliseconds(value) }
        if let text = try map.string("onGenesysUnavailable") {
            guard let policy = GenesysUnavailablePolicy(rawValue: text) else {
                throw map.error("onGenesysUnavailable", "must be allow or deny (got \(text))")
            }
            configuration.checks.onGenesysUnavailable = policy
        }
    }
}
