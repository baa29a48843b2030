import AsyncHTTPClient
import Logging

/// SCAFFOLD — replaced by the real adapter in this change; never shipped as is.
public struct DatadogSink: AuditSink {
    public let name: String
    public init(name: String, configuration: DatadogSinkConfiguration, limits: SinkBatchLimits, exporter: EventExporter, client: HTTPClient, logger: Logger) {
        self.name = name
    }
    public func deliver(_ batch: SinkBatch) async -> DeliveryResult { .rejected(reason: "not implemented") }
}
