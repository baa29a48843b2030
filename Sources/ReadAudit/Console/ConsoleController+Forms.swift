import Foundation
import HTTPTypes
import Hummingbird

/// Sign-in, sign-out and the state-changing forms. Each form carries the session's synchronizer token,
/// compared in constant time; without it nothing changes, and the refusal is recorded.
extension ConsoleController {
    static let formTokenMissing = "The form's security token is missing or stale; reload the page and try again."

    /// Throws unless `form` carries the session's token.
    func checkToken(_ form: [String: String]?, _ request: Request) throws(GatewayError) {
        guard let session = session(request), ConsoleSessions.tokensMatch(form?["csrf"], session.csrfToken) else {
            throw GatewayError(.forbidden, Self.formTokenMissing, field: "csrf")
        }
    }

    // MARK: Sign-in and sign-out

    func signInForm(_ request: Request, problem: String? = nil, name: String = "", status: HTTPResponse.Status = .ok) -> Response {
        if problem == nil, let id = ConsoleCookie.value(ConsoleCookie.session, in: request), sessions.touch(id) != nil {
            return ConsoleResponse.redirect("/console")
        }
        // The sign-in form's own token, in a short-lived cookie and the form: a cross-site page cannot sign a
        // victim in as the attacker (login CSRF).
        let token = ConsoleSessions.randomToken()
        var page: [String: Any] = [
            "page": "sign-in", "title": "Sign in", "signInToken": token, "name": name,
            "idleMinutes": Int(sessions.lifetimes.idle / .seconds(60)), "absoluteHours": Int(sessions.lifetimes.absolute / .seconds(3600)),
        ]
        if let problem { page["problem"] = problem }
        if request.uri.queryParameters.get("expired") != nil { page["notice"] = "You were signed out." }
        return ConsoleResponse.html(
            ConsoleTemplates.render("sign-in", page), status: status,
            headers: [.setCookie: ConsoleCookie.set(ConsoleCookie.signIn, token, secure: secureCookies, maxAge: 600)])
    }

    func signIn(_ request: Request, context: GatewayRequestContext) async -> Response {
        let form = await ConsoleForm.read(request, limit: 4096)
        let name = String((form?["name"] ?? "").prefix(AdminQuery.recordedLimit))
        var event = recorder.draft(.adminRequest, request: request, source: context.sourceAddress, credential: nil)
        event.detail = ["operation": "console.sign_in", "name": name]
        func refuse(_ failure: GatewayError, problem: String) async -> Response {
            event.outcome = .denied
            event.code = failure.code.rawValue
            if let field = failure.field { event.detail["field"] = field }
            guard (try? await recorder.record(event)) != nil else {
                return ConsoleResponse.problem(GatewayError(.auditUnavailable, "The audit journal cannot record this sign-in; try again later."), [:])
            }
            return signInForm(request, problem: problem, name: name, status: failure.code.status)
        }
        if let retryAfter = guards?.authFailures.retryAfter(source: context.sourceAddress) {
            return await refuse(
                GatewayError(.tooManyRequests, "Too many failed sign-ins.", retryAfter: retryAfter),
                problem: "Too many failed sign-ins from this address; wait \(retryAfter) seconds.")
        }
        guard ConsoleSessions.tokensMatch(form?["csrf"], ConsoleCookie.value(ConsoleCookie.signIn, in: request) ?? ConsoleSessions.randomToken()) else {
            return await refuse(GatewayError(.forbidden, Self.formTokenMissing, field: "csrf"), problem: Self.formTokenMissing)
        }
        guard let credential = authenticator.authenticate(name: name, key: form?["key"] ?? ""), let role = gate.roles[credential.name] else {
            guards?.authFailures.recordFailure(source: context.sourceAddress)
            return await refuse(GatewayError(.unauthenticated, "Authentication required."), problem: "The name or the key is wrong.")
        }
        event.credential = "admin:\(credential.name)"
        event.outcome = .ok
        event.detail["role"] = role.rawValue
        // Recorded before the session exists: a sign-in the journal cannot record does not happen.
        guard (try? await recorder.record(event)) != nil else {
            return ConsoleResponse.problem(GatewayError(.auditUnavailable, "The audit journal cannot record this sign-in; try again later."), [:])
        }
        let (id, _) = sessions.create(name: credential.name, role: role)
        var headers: HTTPFields = [:]
        headers.append(HTTPField(name: .setCookie, value: ConsoleCookie.set(ConsoleCookie.session, id, secure: secureCookies)))
        headers.append(HTTPField(name: .setCookie, value: ConsoleCookie.set(ConsoleCookie.signIn, "", secure: secureCookies, maxAge: 0)))
        return ConsoleResponse.redirect("/console", headers: headers)
    }

    func signOut(_ request: Request, context: AuthenticatedContext) async -> Response {
        let form = await ConsoleForm.read(request)
        // Every role holds `agentActivity`, so any signed-in user may sign out.
        let response = await gate.handle(request, context: context, query: AdminQuery("console.sign_out"), permission: .agentActivity) {
            try checkToken(form, request)
            return AdminAnswer(status: .seeOther, body: "", contentType: "text/plain", headers: [.location: "/console/sign-in"])
        }
        guard response.status == .seeOther else { return response }
        if let id = ConsoleCookie.value(ConsoleCookie.session, in: request) { sessions.end(id) }
        var signedOut = response
        signedOut.headers[.setCookie] = ConsoleCookie.set(ConsoleCookie.session, "", secure: secureCookies, maxAge: 0)
        return signedOut
    }

    // MARK: Deny list

    func denyListPage(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: ["agent", "done"])
        return await gate.handle(request, context: context, query: AdminQuery("console.deny_list", agent: parameters["agent"]), permission: .denyList) {
            try parameters.check()
            let blocked = try await denyList.all()
            var page = frame("deny-list", title: "Deny list", request)
            page["agent"] = parameters["agent"] ?? ""
            page["blocked"] = blocked.map { agent -> [String: Any] in
                ["agentId": agent.agentId, "reason": agent.reason, "blockedBy": agent.blockedBy, "blockedAt": agent.blockedAt.description]
            }
            return Self.page(ConsoleTemplates.render("deny-list", page), detail: ["rows": String(blocked.count)])
        }
    }

    func block(_ request: Request, context: AuthenticatedContext) async -> Response {
        let form = await ConsoleForm.read(request)
        let agentId = form?["agentId"]?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let reason = form?["reason"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let query = AdminQuery("console.deny_list.block", agent: EventID.isCanonicalUUID(agentId) ? agentId : nil)
        return await gate.handle(request, context: context, query: query, permission: .denyList) {
            try checkToken(form, request)
            guard EventID.isCanonicalUUID(agentId) else { throw GatewayError(.invalidFormat, "The agent id must be a UUID.", field: "agentId") }
            guard (1...500).contains(reason.count) else { throw GatewayError(.invalidFormat, "Give a reason of 1 to 500 characters.", field: "reason") }
            let added = try await denyList.block(BlockedAgent(
                agentId: agentId, reason: reason, blockedBy: "admin:\(context.caller.name)", blockedAt: recorder.clock.now()))
            return AdminAnswer(
                status: .seeOther, body: "", contentType: "text/plain", headers: [.location: "/console/deny-list?done=blocked"],
                detail: ["alreadyBlocked": String(!added)])
        }
    }

    func unblock(_ request: Request, context: AuthenticatedContext) async -> Response {
        let form = await ConsoleForm.read(request)
        let agentId = form?["agentId"] ?? ""
        let query = AdminQuery("console.deny_list.unblock", agent: EventID.isCanonicalUUID(agentId) ? agentId : nil)
        return await gate.handle(request, context: context, query: query, permission: .denyList) {
            try checkToken(form, request)
            guard EventID.isCanonicalUUID(agentId) else { throw GatewayError(.invalidFormat, "The agent id must be a UUID.", field: "agentId") }
            guard try await denyList.unblock(agentId, by: "admin:\(context.caller.name)") else {
                throw GatewayError(.notBlocked, "This agent is not blocked.", field: "agentId")
            }
            return AdminAnswer(status: .seeOther, body: "", contentType: "text/plain", headers: [.location: "/console/deny-list?done=unblocked"])
        }
    }

    // MARK: Integrity

    func integrity(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: ["done"])
        return await gate.handle(request, context: context, query: AdminQuery("console.integrity"), permission: .verification) {
            try parameters.check()
            var page = frame("integrity", title: "Integrity", request)
            let last = try await store.latest(action: .auditVerify)
            page["head"] = try await store.headSequence()
            if let last {
                let intact = last.event.outcome == .ok
                page["status"] = intact ? "intact" : "BROKEN"
                page["statusClass"] = intact ? "good" : "bad"
                var text = "\(last.event.time) by \(last.event.credential ?? "the CLI"): \(last.event.detail["verified"] ?? "?") entries checked"
                if let bad = last.event.detail["firstBadSequence"] { text += ", first bad entry \(bad) (\(last.event.detail["problem"] ?? "?"))" }
                page["lastVerification"] = text
            } else {
                page["status"] = "not verified yet"
                page["statusClass"] = "warn"
                page["lastVerification"] = "never; press Verify now"
            }
            var newest: [String: Checkpoint] = [:]
            for (_, checkpoint) in try await store.checkpointEvents() {
                if let checkpoint { newest[checkpoint.node] = checkpoint }
            }
            page["hasCheckpoints"] = !newest.isEmpty
            page["checkpoints"] = newest.values.sorted { $0.node < $1.node }.map { checkpoint -> [String: Any] in
                [
                    "node": checkpoint.node, "size": checkpoint.size, "time": checkpoint.time.description, "keyID": checkpoint.keyID,
                    "head": String(checkpoint.head.hex.prefix(16)) + "…",
                ]
            }
            return Self.page(ConsoleTemplates.render("integrity", page))
        }
    }

    func verifyNow(_ request: Request, context: AuthenticatedContext) async -> Response {
        let form = await ConsoleForm.read(request)
        return await gate.handle(request, context: context, query: AdminQuery("console.integrity.verify"), permission: .verification) {
            try checkToken(form, request)
            let (status, _) = try await VerificationController.verifyAndRecord(
                verifier: verifier, recorder: recorder, request: request, source: context.sourceAddress, credential: "admin:\(context.caller.name)")
            return AdminAnswer(
                status: .seeOther, body: "", contentType: "text/plain", headers: [.location: "/console/integrity?done=verified"],
                detail: ["verified": String(status.result.verifiedCount), "intact": String(status.result.isIntact)])
        }
    }
}
