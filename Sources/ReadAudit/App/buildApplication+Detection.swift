import AsyncHTTPClient
import Logging
import ServiceLifecycle

/// The detector and its responders, as services of the gateway (none when `detection.enabled` is false).
func detectionServices(_ configuration: ReadAuditConfiguration, _ ports: GatewayPorts, _ logger: Logger) -> [any Service] {
    guard configuration.detection.enabled else { return [] }
    var services: [any Service] = []
    var responders: [any Responder] = [DenyListResponder(denyList: ports.denyList, clock: ports.clock)]
    if let revoker = ports.tokenRevoker { responders.append(TokenRevocationResponder(revoker: revoker)) }
    if let soar = configuration.responders.soar {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let sink = WebhookSink(
            name: "soar", configuration: soar, limits: SinkBatchLimits(maxEvents: 1, maxBytes: 1 << 20, maxDelay: .zero),
            exporter: EventExporter(pseudonymKey: nil), client: client, logger: logger)
        responders.append(SOARWebhookResponder(sink: sink, clock: ports.clock))
        services.append(HTTPClientService(client: client))
    }
    // Several nodes: one detector, the leader's, over every node's events in PostgreSQL (a node's own
    // detector would count only the reads that landed on it).
    if let database = ports.cluster, let cluster = configuration.cluster {
        return services + [ClusterDetector(
            database: database, journal: ports.journal, configuration: configuration.detection, responses: configuration.responders,
            responders: responders, node: configuration.node, clock: ports.clock, cluster: cluster, wake: database.eventsArrived,
            logger: logger)]
    }
    let detector = Detector(
        journal: ports.journal, store: ports.journal.store, configuration: configuration.detection,
        responses: configuration.responders, responders: responders, node: configuration.node, clock: ports.clock,
        logger: logger)
    return services + [detector]
}
