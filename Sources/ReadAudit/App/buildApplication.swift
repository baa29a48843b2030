import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

/// The pieces the gateway is assembled from. Tests pass stubs for the services that cannot run here.
public struct GatewayPorts: Sendable {
    public var journal: SQLiteJournal
    public var customers: any CustomerSource
    public var sinks: [ConfiguredSink]
    public var clock: any WallClock
    public var metrics: GatewayMetrics
    /// Extra long-lived services that belong to these ports (an HTTP client to shut down, say).
    public var services: [any Service]
    /// The agents whose reads are refused (`agent_blocked`).
    public var denyList: any AgentDenyList
    /// Live interactions, from pushed events and Genesys lookups, for the inline checks.
    public var interactions: InteractionRegistry
    /// Genesys token revocation, when Genesys is configured (responders).
    public var tokenRevoker: (any TokenRevoker)?
    /// Elapsed time for the abuse limits (tests inject a manual one).
    public var monotonic: any MonotonicClock = SystemMonotonicClock()
    /// The shared PostgreSQL in multi-node mode (`cluster:`); nil for a gateway that runs alone.
    public var cluster: ClusterDatabase?

    public init(
        journal: SQLiteJournal, customers: any CustomerSource, sinks: [ConfiguredSink], clock: any WallClock = SystemWallClock(),
        metrics: GatewayMetrics, services: [any Service] = [], denyList: any AgentDenyList = InMemoryDenyList(),
        interactions: InteractionRegistry = InteractionRegistry(directory: nil), tokenRevoker: (any TokenRevoker)? = nil
    ) {
        self.denyList = denyList
        self.interactions = interactions
        self.tokenRevoker = tokenRevoker
        self.journal = journal
        self.customers = customers
        self.sinks = sinks
        self.clock = clock
        self.metrics = metrics
        self.services = services
    }
}

/// The composition root: the gateway's routes and services, from a configuration and its ports.
public func buildApplication(
    configuration: ReadAuditConfiguration, ports: GatewayPorts, logger: Logger
) throws -> some ApplicationProtocol {
    let recorder = EventRecorder(journal: ports.journal, node: configuration.node, clock: ports.clock)
    let guards = RequestGuards(configuration: configuration, clock: ports.monotonic)
    let controller = CustomerDataController(
        validator: try CustomerDataRequestValidator(customerIdPattern: configuration.customerIdPattern),
        customers: ports.customers,
        policy: FieldPolicy(masks: configuration.masks),
        recorder: recorder,
        maxBodyBytes: configuration.maxBodyBytes,
        checks: InlineChecks(configuration: configuration.checks),
        denyList: ports.denyList,
        interactions: ports.interactions,
        watchFields: configuration.detection.enabled && configuration.detection.watchList.enabled ? configuration.detection.watchList.crmFields : [],
        upstream: guards.upstream)
    let interactionEvents = InteractionEventsController(registry: ports.interactions, recorder: recorder)
    let authenticator = CallerAuthenticator(credentials: configuration.credentials)

    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(resolver: guards.addresses))
    router.add(middleware: RequestMetricsMiddleware(metrics: ports.metrics))
    router.get("/healthz") { _, _ in Response.json(#"{"status":"ok"}"#) }
    router.get("/readyz") { _, _ -> Response in
        do {
            try await ports.journal.store.probeWritable(at: ports.clock.now())
            guard !ports.journal.commitFailedRecently() else { throw JournalError(.commitFailed, detail: "an event commit failed in the last 5 s") }
            // Sinks never make the gateway unready (the journal buffers for them), but they are reported.
            var json = JSONText()
            json.raw(#"{"status":"ready","sinks":{"#)
            for (index, (name, status)) in ports.metrics.sinks.all.sorted(by: { $0.key < $1.key }).enumerated() {
                json.key(name, first: index == 0)
                json.string(status.health.rawValue)
            }
            json.raw("}}")
            return Response.json(json.string)
        } catch {
            logger.warning("Not ready: the journal cannot commit. Check the disk and the journal file.", metadata: ["error": "\(error)"])
            return GatewayError(.notReady, "The audit journal cannot commit; reads are refused.").response()
        }
    }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: ports.metrics.render())))
    }
    router.group("/v1/customer-data")
        .add(middleware: CallerAuthenticationMiddleware(authenticator: authenticator, recorder: recorder, action: .customerRead, guards: guards))
        .group(context: AuthenticatedContext.self)
        .post { request, context in await controller.read(request, context: context) }
    router.group("/v1/interactions")
        .add(middleware: CallerAuthenticationMiddleware(authenticator: authenticator, recorder: recorder, action: .interactionEvent, guards: guards))
        .group(context: AuthenticatedContext.self)
        .post("/events") { request, context in await interactionEvents.receive(request, context: context) }

    // With a separate admin listener the gateway's own listener serves no /admin route.
    let reportRejected = rejectedRequestRecorder(recorder, logger: logger)
    var adminListener: [any Service] = []
    if let admin = configuration.admin {
        adminListener = [try makeAdminApplication(admin, configuration: configuration, ports: ports, recorder: recorder, guards: guards, logger: logger)]
    } else {
        addAdminRoutes(to: router, configuration: configuration, ports: ports, recorder: recorder, guards: guards)
    }

    let shippers: [any Service] = ports.sinks.map {
        Shipper(
            sink: $0.sink, journal: ports.journal, store: ports.journal.store, node: configuration.node, clock: ports.clock,
            limits: $0.limits, degradedAfter: $0.degradedAfter, monitor: ports.metrics.sinks, backoff: $0.backoff, logger: logger)
    }
    let lifecycle = GatewayLifecycleRecorder(recorder: recorder, configuration: configuration, logger: logger)
    // Services stop in reverse order: the stop event is written, the checkpointer signs over it, the shippers
    // drain (so the final checkpoint leaves the box too), and the journal closes last.
    let checkpointer: [any Service] = configuration.checkpoints.enabled ? [makeCheckpointer(configuration: configuration, ports: ports, logger: logger)] : []
    var app = Application(
        router: router,
        server: try .readAudit(tls: configuration.tls, limits: configuration.limits, reportRejected: reportRejected),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "readaudit"),
        services: [ports.journal] + retentionServices(configuration, ports, logger) + ports.services + shippers
            + detectionServices(configuration, ports, logger) + checkpointer + [lifecycle] + adminListener,
        logger: logger)
    app.beforeServerStarts { try await lifecycle.recordStart() }
    return app
}

/// The checkpointer a configuration describes, signing with the keyring in its keys directory.
public func makeCheckpointer(configuration: ReadAuditConfiguration, ports: GatewayPorts, logger: Logger) -> Checkpointer {
    Checkpointer(
        journal: ports.journal, signer: CheckpointSigner(keyring: SigningKeyring(directory: configuration.keysPath), node: configuration.node),
        clock: ports.clock, configuration: configuration.checkpoints, logger: logger)
}

extension Response {
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store", .pragma: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Records the gateway's start and stop in the chain (PCI DSS 10.2.1.6).
struct GatewayLifecycleRecorder: Service {
    let recorder: EventRecorder
    let configuration: ReadAuditConfiguration
    let logger: Logger

    func recordStart() async throws {
        let time = recorder.clock.now()
        let entry = try await recorder.journal.append(AuditEventDraft(
            id: .make(at: time), time: time, node: recorder.node, action: .gatewayStart, outcome: .ok,
            detail: ["version": ReadAuditVersion.current, "listen": "\(configuration.host):\(configuration.port)"].merging(listenerDetail(configuration)) { a, _ in a }))
        logger.info("Gateway started", metadata: ["event.id": "\(entry.event.id)", "listen": "\(configuration.host):\(configuration.port)"])
    }

    func run() async throws {
        try? await gracefulShutdown()
        let time = recorder.clock.now()
        do {
            let entry = try await recorder.journal.append(AuditEventDraft(
                id: .make(at: time), time: time, node: recorder.node, action: .gatewayStop, outcome: .ok,
                detail: ["version": ReadAuditVersion.current]))
            logger.info("Gateway stopped", metadata: ["event.id": "\(entry.event.id)"])
        } catch {
            logger.error("Could not record the gateway's stop in the journal", metadata: ["error": "\(error)"])
        }
    }
}

/// The product version, recorded in start and stop events.
public enum ReadAuditVersion {
    public static let current = "0.1.0"
}

/// Shuts an HTTP client down when the service group stops.
public struct HTTPClientService: Service {
    public let client: HTTPClient
    public init(client: HTTPClient) { self.client = client }
    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
