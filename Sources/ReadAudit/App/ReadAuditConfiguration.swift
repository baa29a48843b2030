import Foundation
import Yams

/// The whole configuration: one YAML file plus `READAUDIT_*` environment overrides.
/// Every key is documented in `readaudit.example.yaml`.
public struct ReadAuditConfiguration: Sendable {
    public var node: String
    public var dataDirectory: String
    public var host: String
    public var port: Int
    public var logLevel: String
    public var journalFile: String
    public var journalMaxBatch: Int
    public var journalBusyTimeout: Duration
    /// `journal.durability`: fsync before the reply (default), or `os` (kernel before the reply, fsync in the background).
    public var journalDurability: JournalDurability = .fsync
    public var maxBodyBytes: Int
    public var customerIdPattern: String
    public var crm: CRMConfiguration
    public var masks: [String: MaskRule]
    public var credentials: [CallerCredential]
    /// Admin API credentials, each with a role; never valid on the read path.
    public var adminCredentials: [AdminCredential] = []
    public var sinks: [SinkConfiguration]
    /// The per-deployment key of sinks' customer-id pseudonyms (`pseudonymize: true`), and of `readaudit hash-id`.
    public var pseudonymKey: Secret?
    /// Genesys Cloud's Platform API (conversation lookups, token revocation); nil when not configured.
    public var genesys: GenesysConfiguration?
    /// The inline checks of the read path and their modes.
    public var checks: ChecksConfiguration
    /// How often a running gateway re-reads the deny list (changes made by the CLI).
    public var denyListRefresh: Duration
    /// The detector's rules (`detection:`); see ReadAuditConfiguration+Detection.swift.
    public var detection = DetectionConfiguration()
    /// Automated responses to alerts (`responders:`).
    public var responders = ResponseConfiguration()
    /// Signed checkpoints of the chain (`checkpoints:`).
    public var checkpoints = CheckpointConfiguration()
    /// Where the checkpoint signing key lives (owner-only), relative to the data directory.
    public var keysDirectory = "keys"
    /// Report texts and the agent directory (`reports:`, `directory:`).
    public var reports = ReportSettings()
    /// Hot window, archive segments and purging (`retention:`); see ReadAuditConfiguration+Retention.swift.
    public var retention = RetentionConfiguration()
    /// TLS on the gateway's listener (`listen.tls`); nil serves plain HTTP (behind a TLS-terminating proxy).
    public var tls: TLSSettings?
    /// A separate admin listener (`admin:`); nil serves the admin API on the gateway's listener.
    public var admin: AdminListenerSettings?
    /// Trusted proxies and their forwarded-address header (`proxy:`).
    public var proxy = ProxySettings()
    /// Abuse limits (`limits:`).
    public var limits = LimitSettings()
    /// Clock-jump detection (`clock:`).
    public var clock = ClockSettings()
    /// Multi-node mode on a shared PostgreSQL (`cluster:`); nil runs this gateway alone.
    public var cluster: ClusterConfiguration?

    /// The embedded defaults: a data directory, SQLite journal, file sink, no credentials, no CRM.
    public init(dataDirectory: String = "./readaudit-data") {
        node = ProcessInfo.processInfo.hostName
        self.dataDirectory = dataDirectory
        host = "127.0.0.1"
        port = 8080
        logLevel = "info"
        journalFile = "journal.sqlite"
        journalMaxBatch = 1024
        journalBusyTimeout = .seconds(2)
        maxBodyBytes = 16 * 1024
        customerIdPattern = CustomerDataRequestValidator.defaultCustomerIdPattern
        crm = CRMConfiguration(urlTemplate: "http://127.0.0.1:9090/customers/{customerId}")
        masks = FieldPolicy.defaultMasks
        credentials = []
        sinks = [SinkConfiguration(name: "file", kind: .file(path: "audit.jsonl"))]
        pseudonymKey = nil
        genesys = nil
        checks = ChecksConfiguration()
        denyListRefresh = .seconds(1)
    }

    /// Absolute path of `path` resolved against the data directory.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : (dataDirectory as NSString).appendingPathComponent(path)
    }

    public var journalPath: String { resolve(journalFile) }

    /// The signing keyring's directory.
    public var keysPath: String { resolve(keysDirectory) }
}

/// When the checkpointer signs the chain head: every `everyEvents` entries or every `interval`, whichever first.
public struct CheckpointConfiguration: Sendable {
    public var enabled = true
    public var everyEvents = 10_000
    public var interval: Duration = .seconds(60)
    public init() {}
}

/// A configuration file that cannot be used; the message names the key.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ReadAuditConfiguration {
    /// Loads `path` (YAML), then applies `READAUDIT_*` overrides from `environment`. Commands that only read
    /// the journal (`verify`, `report`) pass `resolvingSecrets: false`, so they work without the CRM's secrets.
    public static func load(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment, resolvingSecrets: Bool = true
    ) throws -> ReadAuditConfiguration {
        var configuration = ReadAuditConfiguration()
        if let path {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigurationError("cannot read configuration file \(path): \(error.localizedDescription)")
            }
            let node = try Yams.compose(yaml: text) ?? Node.mapping([:])
            try configuration.apply(
                node, environment: environment, baseDirectory: (path as NSString).deletingLastPathComponent,
                resolvingSecrets: resolvingSecrets)
        }
        try configuration.applyOverrides(environment)
        return configuration
    }

    mutating func applyOverrides(_ environment: [String: String]) throws {
        if let value = environment["READAUDIT_NODE"] { node = value }
        if let value = environment["READAUDIT_DATA_DIR"] { dataDirectory = value }
        if let value = environment["READAUDIT_HOST"] { host = value }
        if let value = environment["READAUDIT_PORT"] {
            guard let port = Int(value), (0...65535).contains(port) else { throw ConfigurationError("READAUDIT_PORT must be a port number") }
            self.port = port
        }
        if let value = environment["READAUDIT_LOG_LEVEL"] { logLevel = value }
        if let value = environment["READAUDIT_CRM_URL"] { crm.urlTemplate = value }
        if let value = environment["READAUDIT_CRM_TOKEN"] { crm.auth = .bearer(Secret(value)) }
        try validate()
    }

    func validate() throws {
        guard crm.urlTemplate.contains("{customerId}") else { throw ConfigurationError("crm.url must contain {customerId}") }
        guard let url = URL(string: crm.urlTemplate.replacingOccurrences(of: "{customerId}", with: "x")),
            url.scheme == "http" || url.scheme == "https", url.host != nil
        else { throw ConfigurationError("crm.url must be an http or https URL") }
        guard !crm.urlTemplate.contains("?") || crm.urlTemplate.range(of: "{customerId}")!.lowerBound < crm.urlTemplate.firstIndex(of: "?")!
        else { throw ConfigurationError("crm.url must place {customerId} in the path, not the query") }
        _ = try CustomerDataRequestValidator(customerIdPattern: customerIdPattern)
        var names = Set<String>()
        var adminNames = Set<String>()
        for admin in adminCredentials where !adminNames.insert(admin.credential.name).inserted {
            throw ConfigurationError("adminCredentials: the name \(admin.credential.name) is used twice")
        }
        for admin in adminCredentials where credentials.contains(where: { $0.keyHash == admin.credential.keyHash }) {
            throw ConfigurationError("adminCredentials: \(admin.credential.name) has the same key as an integration credential; give it its own key")
        }
        for credential in credentials where !names.insert(credential.name).inserted {
            throw ConfigurationError("credentials: the name \(credential.name) is used twice")
        }
        var sinkNames = Set<String>()
        for sink in sinks {
            guard sinkNames.insert(sink.name).inserted else { throw ConfigurationError("sinks: the name \(sink.name) is used twice") }
            if cluster != nil, sink.name == "postgres" {
                throw ConfigurationError("sinks: the name postgres is the cluster's own shipping cursor in multi-node mode; choose another name")
            }
            if sink.pseudonymize && pseudonymKey == nil {
                throw ConfigurationError("sinks: \(sink.name) has pseudonymize: true, which needs a top-level pseudonymKey")
            }
            guard sink.batch.maxEvents >= 1, sink.batch.maxBytes >= 1024, sink.batch.maxDelay >= .zero else {
                throw ConfigurationError("sinks: \(sink.name).batch needs maxEvents ≥ 1, maxBytes ≥ 1024 and maxDelayMs ≥ 0")
            }
        }
        guard (0...65535).contains(port) else { throw ConfigurationError("listen.port must be between 0 and 65535") }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError("logLevel must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard journalBusyTimeout >= .zero else { throw ConfigurationError("journal.busyTimeoutMs must not be negative") }
        guard crm.connectTimeout > .zero, crm.readTimeout > .zero else {
            throw ConfigurationError("crm.connectTimeoutMs and crm.readTimeoutMs must be positive")
        }
        guard crm.maxResponseBytes > 0 else { throw ConfigurationError("crm.maxResponseBytes must be positive") }
        if case .os(let interval) = journalDurability, !(Duration.milliseconds(1)...Duration.seconds(10)).contains(interval) {
            throw ConfigurationError("journal.syncIntervalMs must be between 1 and 10000")
        }
        guard (1...100_000).contains(journalMaxBatch) else { throw ConfigurationError("journal.maxBatch must be between 1 and 100000") }
        if checks.needsInteraction && genesys == nil {
            throw ConfigurationError("checks.participant and checks.recency need a genesys section (set them to off without one)")
        }
        guard checks.recentWindow > .zero else { throw ConfigurationError("checks.recentMinutes must be positive") }
        guard denyListRefresh > .zero else { throw ConfigurationError("checks.denyListRefreshMs must be positive") }
        if let genesys {
            guard genesys.conversationTTL >= .zero, genesys.connectTimeout > .zero, genesys.readTimeout > .zero else {
                throw ConfigurationError("genesys timeouts must be positive and conversationTtlSeconds not negative")
            }
        }
        guard checkpoints.everyEvents >= 1, checkpoints.interval > .zero else {
            throw ConfigurationError("checkpoints.everyEvents and checkpoints.intervalSeconds must be positive")
        }
        guard (1024...1_048_576).contains(maxBodyBytes) else { throw ConfigurationError("request.maxBodyBytes must be between 1024 and 1048576") }
        try validateHardening()
    }
}
