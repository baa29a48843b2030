import HTTPTypes
import Hummingbird

/// `/admin/v1/deny-list`: list, block and unblock agents (roles `soc` and `admin`). Every request is an
/// `admin.request` event; every change is also the deny list's own `agent.blocked` / `agent.unblocked` event.
struct DenyListController: Sendable {
    let denyList: any AgentDenyList
    let gate: AdminGate
    var recorder: EventRecorder { gate.recorder }

    func list(_ request: Request, context: AuthenticatedContext) async -> Response {
        await handle(request, context: context, operation: "list", agent: nil) {
            let agents = try await denyList.all()
            var json = JSONText(capacity: 256)
            json.raw(#"{"blocked":["#)
            for (index, agent) in agents.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw("{")
                json.key("agentId", first: true)
                json.string(agent.agentId)
                json.key("reason")
                json.string(agent.reason)
                json.key("blockedBy")
                json.string(agent.blockedBy)
                json.key("blockedAt")
                json.string(agent.blockedAt.description)
                json.raw("}")
            }
            json.raw("]}")
            return (.ok, json.string, ["rows": String(agents.count)])
        }
    }

    func block(_ request: Request, context: AuthenticatedContext) async -> Response {
        let body = (try? await request.body.collect(upTo: 4096)).map { Array(buffer: $0) } ?? []
        guard case .object(let members)? = try? JSONParser.parse(body, maxDepth: 4),
            Set(members.map(\.0)) == ["agentId", "reason"],
            case .string(let agentId)? = members.first(where: { $0.0 == "agentId" })?.1, EventID.isCanonicalUUID(agentId),
            case .string(let reason)? = members.first(where: { $0.0 == "reason" })?.1, !reason.isEmpty, reason.count <= 500
        else {
            return await handle(request, context: context, operation: "block", agent: nil) {
                throw GatewayError(.invalidFormat, "The body must be {\"agentId\": <UUID>, \"reason\": <1 to 500 characters>}.")
            }
        }
        return await handle(request, context: context, operation: "block", agent: agentId) {
            let added = try await denyList.block(BlockedAgent(
                agentId: agentId, reason: reason, blockedBy: "admin:\(context.caller.name)", blockedAt: recorder.clock.now()))
            return (added ? .created : .ok, #"{"blocked":true,"alreadyBlocked":\#(!added)}"#, [:])
        }
    }

    func unblock(_ request: Request, context: AuthenticatedContext) async -> Response {
        let agentId = context.parameters.get("agentId") ?? ""
        return await handle(request, context: context, operation: "unblock", agent: EventID.isCanonicalUUID(agentId) ? agentId : nil) {
            guard EventID.isCanonicalUUID(agentId) else { throw GatewayError(.invalidFormat, "agentId must be a UUID.", field: "agentId") }
            guard try await denyList.unblock(agentId, by: "admin:\(context.caller.name)") else {
                throw GatewayError(.notBlocked, "This agent is not blocked.", field: "agentId")
            }
            return (.ok, #"{"blocked":false}"#, [:])
        }
    }

    /// Every deny-list request goes through the admin API's one door (role check, event, answer).
    private func handle(
        _ request: Request, context: AuthenticatedContext, operation: String, agent: String?,
        _ body: () async throws -> (HTTPResponse.Status, String, [String: String])
    ) async -> Response {
        await gate.handle(request, context: context, query: AdminQuery("deny_list.\(operation)", agent: agent), permission: .denyList) {
            let (status, json, detail) = try await body()
            return AdminAnswer(status: status, body: json, detail: detail)
        }
    }
}
