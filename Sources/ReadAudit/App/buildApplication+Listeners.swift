import Hummingbird
import Logging
import ServiceLifecycle

/// The separate admin listener (`admin:`): the admin API's routes only, on their own address and TLS
/// (optionally requiring client certificates), with the same limits and address resolution as the gateway.
func makeAdminApplication(
    _ settings: AdminListenerSettings, configuration: ReadAuditConfiguration, ports: GatewayPorts, recorder: EventRecorder,
    guards: RequestGuards, logger: Logger
) throws -> any Service {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(resolver: guards.addresses))
    router.add(middleware: RequestMetricsMiddleware(metrics: ports.metrics))
    router.get("/healthz") { _, _ in Response.json(#"{"status":"ok"}"#) }
    addAdminRoutes(to: router, configuration: configuration, ports: ports, recorder: recorder, guards: guards)
    var adminLogger = logger
    adminLogger[metadataKey: "listener"] = "admin"
    return Application(
        router: router,
        server: try .readAudit(tls: settings.tls, limits: configuration.limits, reportRejected: rejectedRequestRecorder(recorder, logger: logger)),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "readaudit-admin"),
        logger: adminLogger)
}

/// Records a request the HTTP parser refused (`http.rejected`, outcome `invalid`, with the code and the peer).
/// Nothing was served, so the event is appended without holding the answer back.
func rejectedRequestRecorder(_ recorder: EventRecorder, logger: Logger) -> @Sendable (String?, String) -> Void {
    { source, code in
        let time = recorder.clock.now()
        let event = AuditEventDraft(
            id: .make(at: time), time: time, node: recorder.node, action: .httpRejected, outcome: .invalid, code: code, source: source)
        Task {
            do {
                _ = try await recorder.journal.append(event)
            } catch {
                logger.error("Could not record a refused HTTP request", metadata: ["code": "\(code)", "error": "\(error)"])
            }
        }
    }
}

/// What the start event says about the listeners beyond `listen`: TLS, and the admin listener's address.
func listenerDetail(_ configuration: ReadAuditConfiguration) -> [String: String] {
    var detail: [String: String] = [:]
    if configuration.tls != nil { detail["tls"] = "on" }
    if let admin = configuration.admin {
        detail["adminListen"] = "\(admin.host):\(admin.port)"
        detail["adminTLS"] = admin.tls == nil ? "off" : (admin.tls!.requireClientCertificate ? "mutual" : "on")
    }
    if !configuration.proxy.trustedProxies.isEmpty { detail["trustedProxies"] = configuration.proxy.trustedProxies.map(\.description).joined(separator: ",") }
    return detail
}

extension AuditAction {
    /// A request the HTTP server refused before it was routed (a head over `limits.maxHeaderBytes`, a malformed request).
    public static let httpRejected = AuditAction(rawValue: "http.rejected")
}
