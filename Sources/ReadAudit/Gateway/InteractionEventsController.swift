import HTTPTypes
import Hummingbird
import Logging

/// `POST /v1/interactions/events`: Genesys conversation start/end events keep the interaction registry
/// current. Each event is recorded (who sent it, conversation, user, start/end) before it is applied.
struct InteractionEventsController: Sendable {
    let registry: InteractionRegistry
    let recorder: EventRecorder

    func receive(_ request: Request, context: AuthenticatedContext) async -> Response {
        var event = recorder.draft(.interactionEvent, request: request, source: context.sourceAddress, credential: context.caller.name)
        let parsed: InteractionEvent
        do {
            parsed = try await parse(request)
        } catch let failure {
            event.outcome = failure.outcome
            event.code = failure.code.rawValue
            if let field = failure.field { event.detail["field"] = field }
            do {
                let entry = try await recorder.record(event)
                return failure.response(extraHeaders: [.auditEventId: entry.event.id.rawValue, .auditOutcome: event.outcome.rawValue])
            } catch {
                return error.response(extraHeaders: [.auditOutcome: "audit_unavailable"])
            }
        }
        event.outcome = .ok
        event.agent = parsed.userId
        event.interaction = parsed.conversationId
        event.detail = ["kind": parsed.kind.rawValue, "envelope": parsed.envelope, "eventTime": parsed.eventTime.description]
        if let participant = parsed.participantId { event.detail["participantId"] = participant }
        if let correlation = parsed.correlationId { event.detail["correlationId"] = correlation }
        do {
            let entry = try await recorder.record(event)
            registry.apply(parsed, now: recorder.clock.now())
            return Response(
                status: .accepted,
                headers: [
                    .contentType: "application/json", .cacheControl: "no-store", .auditEventId: entry.event.id.rawValue,
                    .auditOutcome: AuditOutcome.ok.rawValue,
                ],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"accepted"}"#)))
        } catch {
            return error.response(extraHeaders: [.auditOutcome: "audit_unavailable"])
        }
    }

    private func parse(_ request: Request) async throws(GatewayError) -> InteractionEvent {
        guard CustomerDataController.isJSON(request.headers[.contentType]) else {
            throw GatewayError(.unsupportedMediaType, "Send the body as application/json.")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: InteractionEvent.maxBytes)
        } catch {
            throw GatewayError(.payloadTooLarge, "The body is larger than \(InteractionEvent.maxBytes) bytes.")
        }
        return try InteractionEvent.parse(Array(buffer: body)).get()
    }
}
