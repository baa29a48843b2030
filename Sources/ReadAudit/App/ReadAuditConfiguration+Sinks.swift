import Yams

extension ReadAuditConfiguration {
    static let commonSinkKeys: Set<String> = ["type", "name", "batch", "pseudonymize", "degradedAfterSeconds", "replayAfterSeconds"]

    /// One `sinks:` entry: the shared shipping policy, then the protocol's own keys.
    static func sink(_ map: YAMLMap, environment: [String: String], resolvingSecrets: Bool) throws -> SinkConfiguration {
        func secret(_ key: String) throws -> Secret {
            resolvingSecrets ? try Self.secret(map, key, environment: environment) : Secret("")
        }
        func required(_ key: String) throws -> String {
            guard let value = try map.string(key), !value.isEmpty else { throw map.error(key, "is required") }
            return value
        }
        func milliseconds(_ key: String, _ fallback: Duration) throws -> Duration {
            guard let value = try map.int(key) else { return fallback }
            guard value > 0 else { throw map.error(key, "must be positive") }
            return .milliseconds(value)
        }
        func bool(_ key: String, _ fallback: Bool) throws -> Bool {
            guard let text = try map.string(key) else { return fallback }
            switch text.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: throw map.error(key, "must be true or false")
            }
        }
        let type = try map.string("type")
        let kind: SinkConfiguration.Kind
        switch type {
        case "file":
            try map.allowOnly(commonSinkKeys.union(["path"]))
            kind = .file(path: try required("path"))
        case "splunk_hec":
            try map.allowOnly(commonSinkKeys.union(["url", "token", "index", "source", "sourcetype", "host", "gzip", "ack", "timeoutMs"]))
            var hec = SplunkHECSinkConfiguration(url: try required("url"), token: try secret("token"))
            hec.index = try map.string("index")
            hec.source = try map.string("source")
            hec.sourcetype = try map.string("sourcetype") ?? hec.sourcetype
            hec.host = try map.string("host")
            hec.gzip = try bool("gzip", true)
            hec.requestTimeout = try milliseconds("timeoutMs", hec.requestTimeout)
            if let ack = try map.map("ack") {
                try ack.allowOnly(["enabled", "pollIntervalMs", "timeoutMs"])
                switch try ack.string("enabled")?.lowercased() {
                case nil, "true", "yes", "on": hec.ack = true
                case "false", "no", "off": hec.ack = false
                default: throw ack.error("enabled", "must be true or false")
                }
                if let value = try ack.int("pollIntervalMs") { hec.ackPollInterval = .milliseconds(max(1, value)) }
                if let value = try ack.int("timeoutMs") { hec.ackTimeout = .milliseconds(max(1, value)) }
            }
            kind = .splunkHEC(hec)
        case "datadog":
            try map.allowOnly(commonSinkKeys.union(["site", "url", "apiKey", "service", "ddsource", "ddtags", "hostname", "gzip", "timeoutMs"]))
            var datadog = DatadogSinkConfiguration(apiKey: try secret("apiKey"))
            datadog.site = try map.string("site") ?? datadog.site
            datadog.url = try map.string("url")
            datadog.service = try map.string("service") ?? datadog.service
            datadog.ddsource = try map.string("ddsource") ?? datadog.ddsource
            datadog.ddtags = try map.string("ddtags")
            datadog.hostname = try map.string("hostname")
            datadog.gzip = try bool("gzip", true)
            datadog.requestTimeout = try milliseconds("timeoutMs", datadog.requestTimeout)
            kind = .datadog(datadog)
        case "syslog":
            try map.allowOnly(commonSinkKeys.union([
                "host", "port", "transport", "format", "facility", "appName", "hostname", "tls", "connectTimeoutMs", "writeTimeoutMs",
            ]))
            guard let port = try map.int("port"), (1...65535).contains(port) else { throw map.error("port", "must be a port number") }
            var syslog = SyslogSinkConfiguration(host: try required("host"), port: port)
            if let text = try map.string("transport") {
                guard let transport = SyslogSinkConfiguration.Transport(rawValue: text) else { throw map.error("transport", "must be tcp or tls") }
                syslog.transport = transport
            }
            if let text = try map.string("format") {
                guard let format = SyslogSinkConfiguration.Format(rawValue: text) else { throw map.error("format", "must be rfc5424 or cef") }
                syslog.format = format
            }
            if let facility = try map.int("facility") {
                guard (0...23).contains(facility) else { throw map.error("facility", "must be between 0 and 23") }
                syslog.facility = facility
            }
            syslog.appName = try map.string("appName") ?? syslog.appName
            syslog.hostname = try map.string("hostname")
            syslog.connectTimeout = try milliseconds("connectTimeoutMs", syslog.connectTimeout)
            syslog.writeTimeout = try milliseconds("writeTimeoutMs", syslog.writeTimeout)
            if let tls = try map.map("tls") {
                try tls.allowOnly(["caFile", "certFile", "keyFile", "serverName"])
                syslog.caFile = try tls.string("caFile")
                syslog.certificateFile = try tls.string("certFile")
                syslog.keyFile = try tls.string("keyFile")
                syslog.serverName = try tls.string("serverName")
                guard (syslog.certificateFile == nil) == (syslog.keyFile == nil) else {
                    throw tls.error("certFile", "and keyFile go together")
                }
            }
            kind = .syslog(syslog)
        case "webhook":
            try map.allowOnly(commonSinkKeys.union(["url", "secret", "timeoutMs"]))
            var webhook = WebhookSinkConfiguration(url: try required("url"), secret: try secret("secret"))
            webhook.requestTimeout = try milliseconds("timeoutMs", webhook.requestTimeout)
            kind = .webhook(webhook)
        case let other:
            throw map.error("type", "must be one of: file, splunk_hec, datadog, syslog, webhook (got \(other ?? "nothing"))")
        }
        var sink = SinkConfiguration(name: try map.string("name") ?? kind.typeName, kind: kind)
        sink.pseudonymize = try bool("pseudonymize", false)
        if let seconds = try map.int("degradedAfterSeconds") {
            guard seconds >= 0 else { throw map.error("degradedAfterSeconds", "must not be negative") }
            sink.degradedAfter = .seconds(seconds)
        }
        if let seconds = try map.int("replayAfterSeconds") {
            guard seconds >= 0 else { throw map.error("replayAfterSeconds", "must not be negative") }
            sink.replayAfter = .seconds(seconds)
        }
        if let batch = try map.map("batch") {
            try batch.allowOnly(["maxEvents", "maxBytes", "maxDelayMs"])
            if let value = try batch.int("maxEvents") { sink.batch.maxEvents = value }
            if let value = try batch.int("maxBytes") { sink.batch.maxBytes = value }
            if let value = try batch.int("maxDelayMs") { sink.batch.maxDelay = .milliseconds(value) }
        }
        return sink
    }
}
