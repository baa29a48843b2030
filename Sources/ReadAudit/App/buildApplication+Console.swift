import Hummingbird

/// The web console under `/console`, on the listener that serves the admin routes (issue 9).
func addConsoleRoutes(
    to router: Router<GatewayRequestContext>, configuration: ReadAuditConfiguration, ports: GatewayPorts, recorder: EventRecorder,
    guards: RequestGuards?
) {
    let store = ports.journal.store
    let console = ConsoleController(
        gate: AdminGate(credentials: configuration.adminCredentials, recorder: recorder, failureResponse: ConsoleResponse.problem),
        sessions: ConsoleSessions(clock: ports.clock),
        authenticator: CallerAuthenticator(credentials: configuration.adminCredentials.map(\.credential)),
        store: store, trail: reportTrail(configuration, ports), settings: configuration.reports,
        denyList: ports.denyList,
        verifier: ChainVerification(store: store, keyring: SigningKeyring(directory: configuration.keysPath), archiveDirectory: configuration.archivePath),
        sinks: ports.metrics.sinks,
        secureCookies: configuration.admin.map { $0.tls != nil } ?? (configuration.tls != nil), guards: guards)

    let open = router.group("/console").add(middleware: ConsoleHeadersMiddleware())
    open.get("/sign-in") { request, _ in console.signInForm(request) }
    open.post("/sign-in") { request, context in await console.signIn(request, context: context) }
    open.get("/static/console.css") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(string: ConsoleAssets.css)))
    }
    open.get("/static/console.js") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(string: ConsoleAssets.javascript)))
    }

    let pages = open.group().add(middleware: ConsoleSessionMiddleware(sessions: console.sessions, recorder: recorder))
        .group(context: AuthenticatedContext.self)
    pages.get { request, context in await console.index(request, context: context) }
    pages.post("/sign-out") { request, context in await console.signOut(request, context: context) }
    pages.get("/customers") { request, context in await console.customers(request, context: context) }
    pages.get("/customers/export") { request, context in await console.customersExport(request, context: context) }
    pages.get("/agents") { request, context in await console.agents(request, context: context) }
    pages.get("/alerts") { request, context in await console.alertsPage(request, context: context) }
    pages.get("/alerts.json") { request, context in await console.alertsFeed(request, context: context) }
    pages.post("/alerts/acknowledge") { request, context in await console.acknowledge(request, context: context) }
    pages.get("/alerts/evidence") { request, context in await console.evidence(request, context: context) }
    pages.get("/deny-list") { request, context in await console.denyListPage(request, context: context) }
    pages.post("/deny-list/block") { request, context in await console.block(request, context: context) }
    pages.post("/deny-list/unblock") { request, context in await console.unblock(request, context: context) }
    pages.get("/integrity") { request, context in await console.integrity(request, context: context) }
    pages.post("/integrity/verify") { request, context in await console.verifyNow(request, context: context) }
    pages.get("/sinks") { request, context in await console.sinksPage(request, context: context) }
}
