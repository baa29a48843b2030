import Logging
import ServiceLifecycle

/// The archiver, as a service of the gateway (none when `retention.enabled` is false).
func retentionServices(_ configuration: ReadAuditConfiguration, _ ports: GatewayPorts, _ logger: Logger) -> [any Service] {
    guard configuration.retention.enabled else { return [] }
    return [
        Archiver(
            journal: ports.journal, store: ports.journal.store, settings: Archiver.Settings(configuration: configuration), clock: ports.clock,
            logger: logger)
    ]
}
