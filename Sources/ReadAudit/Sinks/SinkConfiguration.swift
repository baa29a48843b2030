/// One configured sink: its name, its protocol settings, and the shipping policy every sink shares.
public struct SinkConfiguration: Sendable, Equatable {
    public var name: String
    public var kind: Kind
    /// How much one delivery may carry, and how long a partly full batch may wait for more.
    public var batch: SinkBatchLimits
    /// Send `hmac-sha256:<hex>` (keyed by the deployment's `pseudonymKey`) instead of customer ids.
    public var pseudonymize: Bool
    /// A sink failing for longer than this raises `audit.sink_degraded` (PCI DSS 10.7.2).
    public var degradedAfter: Duration
    /// Events older than this when sent are marked `"replay": true`.
    public var replayAfter: Duration

    public init(
        name: String, kind: Kind, batch: SinkBatchLimits? = nil, pseudonymize: Bool = false,
        degradedAfter: Duration = .seconds(60), replayAfter: Duration = .seconds(300)
    ) {
        self.name = name
        self.kind = kind
        self.batch = batch ?? kind.defaultBatchLimits
        self.pseudonymize = pseudonymize
        self.degradedAfter = degradedAfter
        self.replayAfter = replayAfter
    }

    /// The protocol of a sink and its own settings.
    public enum Kind: Sendable, Equatable {
        /// JSON lines appended to a file (relative paths are under the data directory).
        case file(path: String)
        case splunkHEC(SplunkHECSinkConfiguration)
        case datadog(DatadogSinkConfiguration)
        case syslog(SyslogSinkConfiguration)
        case webhook(WebhookSinkConfiguration)

        /// The type name used in the configuration file.
        public var typeName: String {
            switch self {
            case .file: "file"
            case .splunkHEC: "splunk_hec"
            case .datadog: "datadog"
            case .syslog: "syslog"
            case .webhook: "webhook"
            }
        }

        /// Each protocol's own limits (HEC ≤ 900 KB a request, Datadog ≤ 1000 entries and 5 MB).
        public var defaultBatchLimits: SinkBatchLimits {
            switch self {
            // The file sink lingers too: shipping each commit at once cost every read a second fsync (the
            // file) and a third (its cursor, on the journal's one writer connection, ahead of the next commit).
            case .file: SinkBatchLimits(maxEvents: 1000, maxBytes: 8 << 20, maxDelay: .milliseconds(200))
            case .splunkHEC: SinkBatchLimits(maxEvents: 1000, maxBytes: 900_000, maxDelay: .seconds(1))
            case .datadog: SinkBatchLimits(maxEvents: 1000, maxBytes: 5_000_000, maxDelay: .seconds(1))
            case .syslog: SinkBatchLimits(maxEvents: 1000, maxBytes: 1 << 20, maxDelay: .seconds(1))
            case .webhook: SinkBatchLimits(maxEvents: 500, maxBytes: 1 << 20, maxDelay: .seconds(1))
            }
        }
    }
}

/// Bounds of one delivery: count, bytes (of the request body before compression) and time.
public struct SinkBatchLimits: Sendable, Equatable {
    public var maxEvents: Int
    public var maxBytes: Int
    /// A partly full batch leaves at most this long after its first event could have been sent.
    public var maxDelay: Duration

    public init(maxEvents: Int, maxBytes: Int, maxDelay: Duration) {
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
        self.maxDelay = maxDelay
    }
}

/// Splunk HTTP Event Collector.
public struct SplunkHECSinkConfiguration: Sendable, Equatable {
    /// Base URL, e.g. `https://splunk.example.com:8088`; `/services/collector/event` is appended.
    public var url: String
    public var token: Secret
    public var index: String?
    public var source: String?
    public var sourcetype: String
    public var host: String?
    public var gzip: Bool
    /// Indexer acknowledgement: the cursor moves only when Splunk says the events are indexed.
    public var ack: Bool
    public var ackPollInterval: Duration
    /// Waiting longer than this for an ack re-sends the batch (a duplicate, with the same event ids).
    public var ackTimeout: Duration
    public var requestTimeout: Duration

    public init(
        url: String, token: Secret, index: String? = nil, source: String? = nil, sourcetype: String = "readaudit:event",
        host: String? = nil, gzip: Bool = true, ack: Bool = false, ackPollInterval: Duration = .milliseconds(500),
        ackTimeout: Duration = .seconds(60), requestTimeout: Duration = .seconds(10)
    ) {
        self.url = url
        self.token = token
        self.index = index
        self.source = source
        self.sourcetype = sourcetype
        self.host = host
        self.gzip = gzip
        self.ack = ack
        self.ackPollInterval = ackPollInterval
        self.ackTimeout = ackTimeout
        self.requestTimeout = requestTimeout
    }
}

/// Datadog logs intake v2.
public struct DatadogSinkConfiguration: Sendable, Equatable {
    /// `datadoghq.com`, `datadoghq.eu`, `us3.datadoghq.com`, ...; the intake is `https://http-intake.logs.<site>`.
    public var site: String
    /// Overrides the intake URL derived from `site` (a proxy, or a test double); `/api/v2/logs` is appended.
    public var url: String?
    public var apiKey: Secret
    public var service: String
    public var ddsource: String
    /// `k:v,k:v`.
    public var ddtags: String?
    public var hostname: String?
    public var gzip: Bool
    public var requestTimeout: Duration

    public init(
        site: String = "datadoghq.com", url: String? = nil, apiKey: Secret, service: String = "readaudit",
        ddsource: String = "readaudit", ddtags: String? = nil, hostname: String? = nil, gzip: Bool = true,
        requestTimeout: Duration = .seconds(10)
    ) {
        self.site = site
        self.url = url
        self.apiKey = apiKey
        self.service = service
        self.ddsource = ddsource
        self.ddtags = ddtags
        self.hostname = hostname
        self.gzip = gzip
        self.requestTimeout = requestTimeout
    }

    /// The intake endpoint.
    public var endpoint: String { (url ?? "https://http-intake.logs.\(site)") + "/api/v2/logs" }
}

/// Syslog over TCP or TLS, octet-counting framing (RFC 6587 / RFC 5425).
public struct SyslogSinkConfiguration: Sendable, Equatable {
    public enum Transport: String, Sendable, Equatable { case tcp, tls }
    public enum Format: String, Sendable, Equatable {
        /// RFC 5424 with the event as structured data and JSON message.
        case rfc5424
        /// RFC 5424 header with an ArcSight CEF message.
        case cef
    }

    public var host: String
    public var port: Int
    public var transport: Transport
    public var format: Format
    /// Syslog facility number (13 = log audit, 10 = authpriv).
    public var facility: Int
    public var appName: String
    /// The HOSTNAME field; defaults to the node name.
    public var hostname: String?
    /// PEM CA bundle to trust (TLS); the system's trust store when absent.
    public var caFile: String?
    /// PEM client certificate and key (TLS, optional).
    public var certificateFile: String?
    public var keyFile: String?
    /// The name expected in the server's certificate; defaults to `host`.
    public var serverName: String?
    /// Longest wait for the TCP connect, and again for the TLS handshake.
    public var connectTimeout: Duration
    /// Longest wait for one burst of frames to be written; a receiver that stops reading past it gets
    /// its connection closed and the batch retried, so a stalled server cannot hang its shipper.
    public var writeTimeout: Duration

    public init(
        host: String, port: Int, transport: Transport = .tcp, format: Format = .rfc5424, facility: Int = 13,
        appName: String = "readaudit", hostname: String? = nil, caFile: String? = nil, certificateFile: String? = nil,
        keyFile: String? = nil, serverName: String? = nil, connectTimeout: Duration = .seconds(5),
        writeTimeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.transport = transport
        self.format = format
        self.facility = facility
        self.appName = appName
        self.hostname = hostname
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.connectTimeout = connectTimeout
        self.writeTimeout = writeTimeout
    }
}

/// A JSON array POSTed to any URL, the body signed with HMAC-SHA256 (SOAR tools and anything else).
public struct WebhookSinkConfiguration: Sendable, Equatable {
    public var url: String
    /// Signs each body: header `X-ReadAudit-Signature: sha256=<hex of HMAC-SHA256(secret, timestamp + "." + body)>`.
    public var secret: Secret
    public var requestTimeout: Duration

    public init(url: String, secret: Secret, requestTimeout: Duration = .seconds(10)) {
        self.url = url
        self.secret = secret
        self.requestTimeout = requestTimeout
    }
}

extension Secret: Equatable {
    public static func == (lhs: Secret, rhs: Secret) -> Bool { lhs.value == rhs.value }
}
