import Hummingbird

/// The admin API's routes under `/admin/v1`, behind the admin credentials (never the integration ones).
/// Every request, refused ones included, is an `admin.request` event; see `AdminGate`.
func addAdminRoutes(
    to router: Router<GatewayRequestContext>, configuration: ReadAuditConfiguration, ports: GatewayPorts, recorder: EventRecorder,
    guards: RequestGuards? = nil
) {
    let gate = AdminGate(credentials: configuration.adminCredentials, recorder: recorder)
    let denyList = DenyListController(denyList: ports.denyList, gate: gate)
    let queries = AdminQueryController(
        gate: gate, store: ports.journal.store, settings: configuration.reports,
        trail: reportTrail(configuration, ports))
    let verification = VerificationController(gate: gate, store: ports.journal.store, verifier: ChainVerification(store: ports.journal.store, keyring: SigningKeyring(directory: configuration.keysPath), archiveDirectory: configuration.archivePath))

    let admin = router.group("/admin/v1")
        .add(middleware: CallerAuthenticationMiddleware(
            authenticator: CallerAuthenticator(credentials: configuration.adminCredentials.map(\.credential)), recorder: recorder,
            action: .adminRequest, describeRefused: { request in ["path": String(request.uri.path.prefix(256)), "method": request.method.rawValue] },
            guards: guards))
        .group(context: AuthenticatedContext.self)
    admin.get("/deny-list") { request, context in await denyList.list(request, context: context) }
    admin.post("/deny-list") { request, context in await denyList.block(request, context: context) }
    admin.delete("/deny-list/:agentId") { request, context in await denyList.unblock(request, context: context) }
    admin.get("/events") { request, context in await queries.events(request, context: context) }
    admin.get("/alerts") { request, context in await queries.alerts(request, context: context) }
    admin.get("/reports/customer/:customerId") { request, context in await queries.customerReport(request, context: context) }
    admin.get("/reports/agent/:agentId") { request, context in await queries.agentReport(request, context: context) }
    admin.get("/verification") { request, context in await verification.status(request, context: context) }
    admin.post("/verification") { request, context in await verification.run(request, context: context) }
    addConsoleRoutes(to: router, configuration: configuration, ports: ports, recorder: recorder, guards: guards)
}
