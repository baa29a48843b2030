import Logging

/// SCAFFOLD — replaced by the real adapter in this change; never shipped as is.
public struct SyslogSink: AuditSink {
    public let name: String
    public init(name: String, configuration: SyslogSinkConfiguration, node: String, limits: SinkBatchLimits, exporter: EventExporter, logger: Logger) {
        self.name = name
    }
    public func deliver(_ batch: SinkBatch) async -> DeliveryResult { .rejected(reason: "not implemented") }
}
