import Foundation
import Yams

extension ReadAuditConfiguration {
    /// Applies the keys present in `root`; absent keys keep their defaults. Unknown keys are errors.
    mutating func apply(_ root: Node, environment: [String: String], baseDirectory: String, resolvingSecrets: Bool = true) throws {
        let top = try YAMLMap(root, path: "")
        try top.allowOnly([
            "node", "dataDirectory", "listen", "logLevel", "journal", "request", "crm", "masks", "credentials", "sinks", "pseudonymKey",
            "genesys", "checks", "detection", "responders", "adminCredentials", "checkpoints", "keysDirectory", "reports", "directory",
            "retention", "admin", "proxy", "limits", "clock", "cluster",
        ])
        if let value = try top.string("keysDirectory") { keysDirectory = value }
        if let map = try top.map("checkpoints") {
            try map.allowOnly(["enabled", "everyEvents", "intervalSeconds"])
            if let value = try map.bool("enabled") { checkpoints.enabled = value }
            if let value = try map.int("everyEvents") { checkpoints.everyEvents = value }
            if let value = try map.int("intervalSeconds") { checkpoints.interval = .seconds(value) }
        }
        try applyDetection(top, environment: environment, resolvingSecrets: resolvingSecrets)
        try applyReports(top, baseDirectory: baseDirectory)
        try applyRetention(top)
        try applyCluster(top, environment: environment, baseDirectory: baseDirectory, resolvingSecrets: resolvingSecrets)
        try applyHardening(top, baseDirectory: baseDirectory)
        if top.keys.contains("pseudonymKey") {
            pseudonymKey = resolvingSecrets ? try Self.secret(top, "pseudonymKey", environment: environment) : Secret("")
        }
        if let value = try top.string("node") { node = value }
        if let value = try top.string("dataDirectory") {
            dataDirectory = value.hasPrefix("/") || baseDirectory.isEmpty ? value : (baseDirectory as NSString).appendingPathComponent(value)
        }
        if let value = try top.string("logLevel") { logLevel = value }
        if let listen = try top.map("listen") {
            try listen.allowOnly(["host", "port", "tls"])
            if let value = try listen.string("host") { host = value }
            if let value = try listen.int("port") { port = value }
        }
        if let journal = try top.map("journal") {
            try journal.allowOnly(["file", "maxBatch", "busyTimeoutMs", "durability", "syncIntervalMs"])
            if let value = try journal.string("file") { journalFile = value }
            let interval = try journal.int("syncIntervalMs").map { Duration.milliseconds($0) }
            switch try journal.string("durability") {
            case nil, "fsync":
                guard interval == nil else { throw journal.error("syncIntervalMs", "applies only to durability: os") }
                journalDurability = .fsync
            case "os": journalDurability = .os(syncInterval: interval ?? JournalDurability.defaultSyncInterval)
            case let other?: throw journal.error("durability", "must be fsync or os, not \(other)")
            }
            if let value = try journal.int("maxBatch") { journalMaxBatch = value }
            if let value = try journal.int("busyTimeoutMs") { journalBusyTimeout = .milliseconds(value) }
        }
        if let request = try top.map("request") {
            try request.allowOnly(["maxBodyBytes", "customerIdPattern"])
            if let value = try request.int("maxBodyBytes") { maxBodyBytes = value }
            if let value = try request.string("customerIdPattern") { customerIdPattern = value }
        }
        if let crmMap = try top.map("crm") {
            try crmMap.allowOnly(["url", "connectTimeoutMs", "readTimeoutMs", "maxResponseBytes", "auth"])
            if let value = try crmMap.string("url") { crm.urlTemplate = value }
            if let value = try crmMap.int("connectTimeoutMs") { crm.connectTimeout = .milliseconds(value) }
            if let value = try crmMap.int("readTimeoutMs") { crm.readTimeout = .milliseconds(value) }
            if let value = try crmMap.int("maxResponseBytes") { crm.maxResponseBytes = value }
            if let auth = try crmMap.map("auth") {
                crm.auth = try Self.crmAuth(auth, environment: environment, resolvingSecrets: resolvingSecrets)
            }
        }
        if let masksMap = try top.map("masks") { masks = try Self.masks(masksMap) }
        if let list = try top.list("credentials") {
            credentials = try list.enumerated().map { index, node in
                let map = try YAMLMap(node, path: "credentials[\(index)]")
                try map.allowOnly(["name", "keyHash", "fields", "masks"])
                guard let name = try map.string("name"), !name.isEmpty else { throw map.error("name", "is required") }
                guard let hashText = try map.string("keyHash"), let hash = CallerCredential.parseHash(hashText) else {
                    throw map.error("keyHash", "must be sha256:<64 hex digits> (create one with `readaudit keys create`)")
                }
                let fields = try map.list("fields").map { try Set($0.enumerated().map { try YAMLMap.scalar($1, path: map.path + ".fields[\($0)]") }) }
                let masks = try map.map("masks").map(Self.masks) ?? [:]
                return CallerCredential(name: name, keyHash: hash, allowedFields: fields, masks: masks)
            }
        }
        if let map = try top.map("genesys") {
            genesys = try Self.genesys(map, environment: environment, resolvingSecrets: resolvingSecrets)
            checks.participant = .enforce
            checks.recency = .enforce
        }
        if let map = try top.map("checks") { try Self.applyChecks(map, to: &self) }
        if let list = try top.list("adminCredentials") {
            adminCredentials = try list.enumerated().map { index, node in
                let map = try YAMLMap(node, path: "adminCredentials[\(index)]")
                try map.allowOnly(["name", "keyHash", "role"])
                guard let name = try map.string("name"), !name.isEmpty else { throw map.error("name", "is required") }
                guard let hashText = try map.string("keyHash"), let hash = CallerCredential.parseHash(hashText) else {
                    throw map.error("keyHash", "must be sha256:<64 hex digits> (create one with `readaudit keys create`)")
                }
                guard let role = try map.string("role").flatMap(AdminRole.init(rawValue:)) else {
                    throw map.error("role", "must be one of \(AdminRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return AdminCredential(name: name, keyHash: hash, role: role)
            }
        }
        if let list = try top.list("sinks") {
            sinks = try list.enumerated().map { index, node in
                try Self.sink(YAMLMap(node, path: "sinks[\(index)]"), environment: environment, resolvingSecrets: resolvingSecrets)
            }
        }
    }

    static func masks(_ map: YAMLMap) throws -> [String: MaskRule] {
        var out: [String: MaskRule] = [:]
        for key in map.keys {
            let text = try map.string(key) ?? ""
            guard let rule = MaskRule(rawValue: text) else {
                throw map.error(key, "must be one of \(MaskRule.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out[key] = rule
        }
        return out
    }

    static func crmAuth(_ map: YAMLMap, environment: [String: String], resolvingSecrets: Bool) throws -> CRMAuth {
        func secret(_ map: YAMLMap, _ key: String, environment: [String: String]) throws -> Secret {
            resolvingSecrets ? try Self.secret(map, key, environment: environment) : Secret("")
        }
        switch try map.string("type") ?? "none" {
        case "none":
            try map.allowOnly(["type"])
            return .none
        case "bearer":
            try map.allowOnly(["type", "token"])
            return .bearer(try secret(map, "token", environment: environment))
        case "oauth2":
            try map.allowOnly(["type", "tokenUrl", "clientId", "clientSecret", "scope"])
            guard let tokenURL = try map.string("tokenUrl"), let clientId = try map.string("clientId") else {
                throw map.error("tokenUrl", "tokenUrl and clientId are required for oauth2")
            }
            return .oauth2(
                tokenURL: tokenURL, clientId: clientId, clientSecret: try secret(map, "clientSecret", environment: environment),
                scope: try map.string("scope"))
        case let other:
            throw map.error("type", "must be none, bearer or oauth2 (got \(other))")
        }
    }

    /// A secret is never written in the file itself: `{env: NAME}` or `{file: PATH}`.
    static func secret(_ parent: YAMLMap, _ key: String, environment: [String: String]) throws -> Secret {
        guard let map = try parent.map(key) else { throw parent.error(key, "is required: {env: NAME} or {file: PATH}") }
        try map.allowOnly(["env", "file"])
        if let name = try map.string("env") {
            guard let value = environment[name], !value.isEmpty else {
                throw parent.error(key, "names the environment variable \(name), which is not set")
            }
            return Secret(value)
        }
        if let path = try map.string("file") {
            guard let value = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw parent.error(key, "names the file \(path), which cannot be read")
            }
            return Secret(value.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        throw parent.error(key, "must be {env: NAME} or {file: PATH}")
    }
}

/// A YAML mapping with typed accessors whose errors name the key's full path.
struct YAMLMap {
    let path: String
    private let pairs: [(String, Node)]

    init(_ node: Node, path: String) throws {
        guard case .mapping(let mapping) = node else { throw ConfigurationError("\(path.isEmpty ? "the file" : path) must be a mapping") }
        self.path = path
        self.pairs = try mapping.map { key, value in
            guard let name = key.string else { throw ConfigurationError("\(path): keys must be strings") }
            return (name, value)
        }
    }

    var keys: [String] { pairs.map(\.0) }

    func error(_ key: String, _ message: String) -> ConfigurationError {
        ConfigurationError("\(path.isEmpty ? key : path + "." + key) \(message)")
    }

    func allowOnly(_ allowed: Set<String>) throws {
        if let unknown = keys.first(where: { !allowed.contains($0) }) {
            throw error(unknown, "is not a known key (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private func node(_ key: String) -> Node? {
        guard let node = pairs.first(where: { $0.0 == key })?.1 else { return nil }
        if case .scalar(let scalar) = node, scalar.string == "" || scalar.string == "~" || scalar.string == "null" { return nil }
        return node
    }

    static func scalar(_ node: Node, path: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw ConfigurationError("\(path) must be a single value") }
        return scalar.string
    }

    func string(_ key: String) throws -> String? {
        try node(key).map { try Self.scalar($0, path: path.isEmpty ? key : path + "." + key) }
    }

    func int(_ key: String) throws -> Int? {
        guard let text = try string(key) else { return nil }
        guard let value = Int(text) else { throw error(key, "must be a whole number") }
        return value
    }

    func map(_ key: String) throws -> YAMLMap? {
        try node(key).map { try YAMLMap($0, path: path.isEmpty ? key : path + "." + key) }
    }

    func list(_ key: String) throws -> [Node]? {
        guard let node = node(key) else { return nil }
        guard case .sequence(let sequence) = node else { throw error(key, "must be a list") }
        return Array(sequence)
    }
}
