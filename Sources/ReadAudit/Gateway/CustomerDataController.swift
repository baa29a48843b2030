import HTTPTypes
import Hummingbird
import Logging

/// `POST /v1/customer-data`: validate, fetch, project and mask, record durably, then reveal.
struct CustomerDataController: Sendable {
    let validator: CustomerDataRequestValidator
    let customers: any CustomerSource
    let policy: FieldPolicy
    let recorder: EventRecorder
    let maxBodyBytes: Int
    var checks = InlineChecks(configuration: ChecksConfiguration())
    var denyList: any AgentDenyList = EmptyDenyList()
    var interactions = InteractionRegistry(directory: nil)
    /// CRM fields whose truthy value marks a watched customer (`detection.watchList.crmFields`).
    var watchFields: [String] = []
    /// The cap on CRM calls in flight (503 `overloaded` past it); nil for no cap.
    var upstream: UpstreamLimiter? = nil

    func read(_ request: Request, context: AuthenticatedContext) async -> Response {
        var event = recorder.draft(.customerRead, request: request, source: context.sourceAddress, credential: context.caller.name)
        var alerts: [InlineChecks.Finding] = []
        do {
            let record = try await serve(request, context: context, event: &event, alerts: &alerts)
            event.outcome = .served
            event.fields = record.fieldNames
            event.masked = record.maskedNames
            let entry = try await recorder.record(event)
            await recordAlerts(alerts, after: entry, context: context)
            context.logger.debug("served", metadata: ["event.id": "\(entry.event.id)"])
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/json", .cacheControl: "no-store", .pragma: "no-cache",
                    .auditEventId: entry.event.id.rawValue, .auditOutcome: AuditOutcome.served.rawValue,
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: record.jsonBytes)))
        } catch let failure {
            if failure.code == .auditUnavailable {
                return failure.response(extraHeaders: [.auditOutcome: "audit_unavailable"])
            }
            event.outcome = failure.outcome
            event.code = failure.code.rawValue
            do {
                let entry = try await recorder.record(event)
                await recordAlerts(alerts, after: entry, context: context)
                context.logger.debug("refused", metadata: ["event.id": "\(entry.event.id)", "code": "\(failure.code)"])
                return failure.response(extraHeaders: [.auditEventId: entry.event.id.rawValue, .auditOutcome: event.outcome.rawValue])
            } catch {
                return error.response(extraHeaders: [.auditOutcome: "audit_unavailable"])
            }
        }
    }

    /// The steps before the journal. Fills in `event` with what is learned on the way.
    private func serve(
        _ request: Request, context: AuthenticatedContext, event: inout AuditEventDraft, alerts: inout [InlineChecks.Finding]
    ) async throws(GatewayError) -> ProjectedRecord {
        guard Self.isJSON(request.headers[.contentType]) else {
            throw GatewayError(.unsupportedMediaType, "Send the body as application/json.")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw GatewayError(.payloadTooLarge, "The body is larger than \(maxBodyBytes) bytes.")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch is RequestReadTimeout {
            throw GatewayError(.requestTimeout, "The body did not arrive in time.")
        } catch {
            throw GatewayError(.payloadTooLarge, "The body is larger than \(maxBodyBytes) bytes.")
        }
        let input: CustomerDataRequest
        switch validator.validate(Array(buffer: body)) {
        case .success(let valid):
            input = valid
        case .failure(let rejected):
            event.customer = rejected.submitted.customerId
            event.agent = rejected.submitted.agentId
            event.interaction = rejected.submitted.interactionId
            throw rejected.error
        }
        event.customer = input.customerId
        event.agent = input.agentId
        event.interaction = input.interactionId

        // The inline checks run before the CRM is asked: a refused read never reaches it.
        let verdict = await check(input, request: request, context: context)
        event.detail.merge(verdict.detail) { _, new in new }
        alerts = verdict.alerts
        if let refusal = verdict.refusal {
            context.logger.notice("read refused by an inline check", metadata: ["code": "\(refusal.code)"])
            throw refusal
        }

        // Past the cap a read is refused at once: a slow CRM holds at most the cap's worth of requests.
        if let upstream {
            guard upstream.tryAcquire() else {
                context.logger.warning(
                    "CRM calls in flight are at limits.maxConcurrentUpstream; the read is refused with 503 overloaded. Check the CRM's latency.",
                    metadata: ["limit": "\(upstream.limit)"])
                throw GatewayError(.overloaded, "The gateway is at its limit of CRM calls in flight; retry shortly.", retryAfter: 1)
            }
        }
        defer { upstream?.release() }
        let lookup: CustomerLookup
        do {
            lookup = try await customers.customer(id: input.customerId)
        } catch let error as CustomerSourceError {
            context.logger.warning(
                "CRM call failed; the read is answered with an upstream error. Check the CRM's health and the crm settings.",
                metadata: ["crm.error": "\(error.kind.rawValue)", "detail": "\(error.detail)"])
            throw error.kind == .timeout
                ? GatewayError(.upstreamTimeout, "The CRM did not answer in time.")
                : GatewayError(.upstreamError, "The CRM could not be read.")
        } catch {
            context.logger.error("Unexpected CRM client error", metadata: ["error": "\(error)"])
            throw GatewayError(.upstreamError, "The CRM could not be read.")
        }
        guard case .found(let record) = lookup else {
            throw GatewayError(.customerNotFound, "No customer has this id.", field: "customerId")
        }
        // A watched customer (a VIP flag in the CRM) is marked on the event by the flag's name, never its value.
        let flags = watchFields.filter { Self.isTruthy(record[$0]) }
        if !flags.isEmpty { event.detail["watch"] = flags.map { "crm:\($0)" }.joined(separator: ",") }
        return policy.apply(to: record, for: context.caller)
    }

    static func isTruthy(_ value: JSONValue?) -> Bool {
        switch value {
        case .bool(let flag)?: flag
        case .string(let text)?: ["true", "yes", "y", "1"].contains(text.lowercased())
        case .number(let text)?: (Double(text) ?? 0) != 0
        default: false
        }
    }

    /// Gathers what the checks need (deny list, ININ-User-Id, the interaction's state) and evaluates them.
    func check(_ input: CustomerDataRequest, request: Request, context: AuthenticatedContext) async -> InlineChecks.Verdict {
        let now = recorder.clock.now()
        var interaction: InteractionLookup?
        if checks.configuration.needsInteraction {
            let lookup = await interactions.lookup(conversationId: input.interactionId, agentId: input.agentId, now: now)
            if case .unavailable(let why) = lookup {
                context.logger.warning(
                    "Genesys could not be asked about an interaction; onGenesysUnavailable decides. Check the genesys settings and Genesys' status.",
                    metadata: ["genesys.error": "\(why)"])
            }
            interaction = lookup
        }
        return checks.evaluate(
            input, userIdHeader: request.headers[Self.userIdHeader], isBlocked: denyList.isBlocked(input.agentId),
            interaction: interaction, now: now)
    }

    static let userIdHeader = HTTPField.Name("ININ-User-Id")!

    /// Appends one `alert.<check>` event per finding served in alert mode. The read event is already
    /// durable with the check results, so a failure here is logged, never turned into a refusal.
    private func recordAlerts(_ alerts: [InlineChecks.Finding], after entry: JournalEntry, context: AuthenticatedContext) async {
        for finding in alerts {
            let time = recorder.clock.now()
            let read = entry.event
            let alert = AuditEventDraft(
                id: .make(at: time), time: time, node: recorder.node, action: .alert(finding.check.rawValue), outcome: .ok,
                credential: read.credential, agent: read.agent, interaction: read.interaction, customer: read.customer, source: read.source,
                genesys: read.genesys,
                detail: ["check": finding.check.rawValue, "mode": finding.mode.rawValue, "reason": finding.reason, "readEvent": read.id.rawValue])
            do {
                _ = try await recorder.record(alert)
            } catch {
                context.logger.error("Could not record an inline-check alert", metadata: ["check": "\(finding.check.rawValue)"])
            }
        }
    }

    /// `application/json`, with or without parameters such as `charset=utf-8`.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        if contentType == "application/json" { return true }  // what Genesys sends; skips Foundation's trimming
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return mediaType.lowercased() == "application/json"
    }
}
