import AsyncHTTPClient
import Crypto
import Foundation
import Logging

/// A sink with the shipping policy its configuration gave it.
public struct ConfiguredSink: Sendable {
    public var sink: any AuditSink
    public var limits: SinkBatchLimits
    public var degradedAfter: Duration
    /// Waits between failed deliveries.
    public var backoff: RetryBackoff

    public init(
        _ sink: any AuditSink, limits: SinkBatchLimits = SinkBatchLimits(maxEvents: 500, maxBytes: 1 << 20, maxDelay: .zero),
        degradedAfter: Duration = .seconds(60), backoff: RetryBackoff = RetryBackoff()
    ) {
        self.sink = sink
        self.limits = limits
        self.degradedAfter = degradedAfter
        self.backoff = backoff
    }
}

/// Builds each configured sink's adapter.
public enum SinkFactory {
    /// The adapter for `configuration`, sharing `client` for the HTTP-based protocols.
    public static func make(
        _ configuration: SinkConfiguration, in deployment: ReadAuditConfiguration, client: HTTPClient, logger: Logger
    ) -> ConfiguredSink {
        let exporter = EventExporter(
            pseudonymKey: configuration.pseudonymize ? deployment.pseudonymKey.map { SymmetricKey(data: Data($0.value.utf8)) } : nil,
            replayAfter: configuration.replayAfter)
        let name = configuration.name
        let limits = configuration.batch
        let sink: any AuditSink = switch configuration.kind {
        case .file(let path):
            FileSink(name: name, path: deployment.resolve(path), exporter: exporter)
        case .splunkHEC(let hec):
            SplunkHECSink(name: name, configuration: hec, limits: limits, exporter: exporter, client: client, logger: logger)
        case .datadog(let datadog):
            DatadogSink(name: name, configuration: datadog, limits: limits, exporter: exporter, client: client, logger: logger)
        case .webhook(let webhook):
            WebhookSink(name: name, configuration: webhook, limits: limits, exporter: exporter, client: client, logger: logger)
        case .syslog(let syslog):
            SyslogSink(name: name, configuration: syslog, node: deployment.node, limits: limits, exporter: exporter, logger: logger)
        }
        return ConfiguredSink(sink, limits: limits, degradedAfter: configuration.degradedAfter)
    }
}
