import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Opens what a configuration names (journal file, CRM client, sinks) and runs the gateway until a signal.
public enum Gateway {
    /// The real ports for `configuration`: the SQLite journal in the data directory, the HTTP CRM, the configured sinks.
    public static func makePorts(configuration: ReadAuditConfiguration, logger: Logger) async throws -> GatewayPorts {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let metrics = GatewayMetrics()
        let store = try JournalStore(
            path: configuration.journalPath, busyTimeout: configuration.journalBusyTimeout, durability: configuration.journalDurability)
        // A step of the system clock becomes a clock.jump event (PCI DSS 10.6).
        let clockWatch = ClockJumpDetector(wall: SystemWallClock(), tolerance: configuration.clock.jumpTolerance, node: configuration.node)
        let journal = try await SQLiteJournal(
            store: store, maxBatch: configuration.journalMaxBatch, metrics: metrics.journal, logger: logger, clockWatch: clockWatch)
        var crmClient = HTTPCustomerSource.clientConfiguration(for: configuration.crm)
        // As many CRM connections as reads may be in flight: past the cap reads are refused, not queued.
        crmClient.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, configuration.limits.maxConcurrentUpstream)
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: crmClient)
        let customers = HTTPCustomerSource(configuration: configuration.crm, client: client, logger: logger)
        var sinks = configuration.sinks.map { SinkFactory.make($0, in: configuration, client: client, logger: logger) }
        var services: [any Service] = [HTTPClientService(client: client)]
        // Multi-node mode: the shared PostgreSQL's pool runs before (so stops after) every service that uses
        // it, and the journal ships to it like to any sink.
        var cluster: ClusterDatabase?
        if let settings = configuration.cluster {
            let database = try ClusterDatabase(settings: settings.postgres, logger: logger)
            services.insert(database, at: 0)
            sinks.append(ConfiguredSink(
                PostgresSink(database: database, chain: configuration.node, logger: logger),
                limits: SinkBatchLimits(maxEvents: settings.shipBatch, maxBytes: 64 << 20, maxDelay: settings.shipDelay),
                // PostgreSQL back means cross-node detection back: retry within 2 s, not the HTTP sinks' 30.
                degradedAfter: .seconds(60), backoff: RetryBackoff(initial: .milliseconds(100), maximum: .seconds(2))))
            cluster = database
        }
        var genesysClient: GenesysClient?
        if let genesys = configuration.genesys {
            let genesysHTTP = HTTPClient(
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: GenesysClient.clientConfiguration(for: genesys))
            genesysClient = GenesysClient(configuration: genesys, client: genesysHTTP, logger: logger)
            services.append(HTTPClientService(client: genesysHTTP))
        }
        let clock = SystemWallClock()
        let localDenyList = try await SQLiteDenyList(store: store, journal: journal, node: configuration.node, clock: clock)
        let denyList: any AgentDenyList
        if let cluster, let settings = configuration.cluster {
            // The cluster's list in PostgreSQL, this node's copy answering reads; NOTIFY brings changes at once.
            let shared = ClusterDenyList(local: localDenyList, database: cluster, node: configuration.node, clock: clock, logger: logger)
            services.append(ClusterListener(
                database: cluster, denyList: shared, wake: cluster.eventsArrived, resync: settings.denyListResync, logger: logger))
            denyList = shared
        } else {
            services.append(DenyListRefresher(denyList: localDenyList, interval: configuration.denyListRefresh, logger: logger))
            denyList = localDenyList
        }
        let interactions = InteractionRegistry(directory: genesysClient, ttl: configuration.genesys?.conversationTTL ?? .seconds(30))
        var ports = GatewayPorts(
            journal: journal, customers: customers, sinks: sinks, clock: clock, metrics: metrics, services: services,
            denyList: denyList, interactions: interactions, tokenRevoker: genesysClient)
        ports.cluster = cluster
        return ports
    }

    /// Builds the application and runs it until SIGTERM or SIGINT, then drains and records the stop.
    public static func run(configuration: ReadAuditConfiguration, logger: Logger, ports: GatewayPorts? = nil) async throws {
        let ports = if let ports { ports } else { try await makePorts(configuration: configuration, logger: logger) }
        let app = try buildApplication(configuration: configuration, ports: ports, logger: logger)
        try await app.runService()
    }
}
