import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The web console over HTTP (no browser): sessions and their cookie, CSRF, expiry, roles, headers,
/// escaping, and an `admin.request` event for every page of audit data (issue 9).
@Suite struct ConsoleTests {
    static let keys: [AdminRole: String] = [
        .auditor: "ra_console-auditor-key-0123456789", .soc: "ra_console-soc-key-0123456789", .admin: "ra_console-admin-key-0123456789",
    ]
    static let agent = TestCredentials.agentId

    static func credentials() -> [AdminCredential] {
        AdminRole.allCases.map { role in
            AdminCredential(name: "\(role.rawValue)-1", keyHash: CallerCredential.parseHash(CallerCredential.hashText(ofKey: keys[role]!))!, role: role)
        }
    }

    static func withGateway(
        configure: @escaping (inout ReadAuditConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (TestGateway, any TestClientProtocol) async throws -> Void
    ) async throws {
        let gateway = try await TestGateway.make(crmURL: "http://127.0.0.1:9/customers/{customerId}") {
            $0.adminCredentials = credentials()
            configure(&$0)
        }
        defer { gateway.directory.remove() }
        try await gateway.application().test(.router) { client in try await body(gateway, client) }
    }

    /// The value of cookie `name` set by `response`, and the whole `Set-Cookie` line.
    static func setCookie(_ name: String, _ response: TestResponse) -> (value: String, line: String)? {
        for line in response.headers[values: .setCookie] where line.hasPrefix("\(name)=") {
            let value = line.dropFirst(name.count + 1).prefix { $0 != ";" }
            return (String(value), line)
        }
        return nil
    }

    static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
    }

    static let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in through the form; returns the session cookie's value and the session's form token.
    static func signIn(_ client: some TestClientProtocol, as role: AdminRole = .admin) async throws -> (session: String, csrf: String) {
        let form = try await client.execute(uri: "/console/sign-in", method: .get)
        let token = try #require(setCookie(ConsoleCookieName.signIn, form)).value
        #expect(hidden("csrf", in: String(buffer: form.body)) == token)
        var headers = formType
        headers[.cookie] = "\(ConsoleCookieName.signIn)=\(token)"
        let response = try await client.execute(
            uri: "/console/sign-in", method: .post, headers: headers,
            body: Self.form(["csrf": token, "name": "\(role.rawValue)-1", "key": keys[role]!]))
        #expect(response.status == .seeOther)
        let session = try #require(setCookie(ConsoleCookieName.session, response)).value
        let page = try await client.execute(uri: "/console/agents", method: .get, headers: [.cookie: "\(ConsoleCookieName.session)=\(session)"])
        let html = String(buffer: page.body)
        let csrf = try #require(html.range(of: #"name="csrf-token" content=""#).map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
        return (session, csrf)
    }

    static func cookie(_ session: String) -> HTTPFields { [.cookie: "\(ConsoleCookieName.session)=\(session)"] }

    @Test func signingInSetsAStrictHttpOnlySessionCookieAndIsRecorded() async throws {
        try await Self.withGateway { gateway, client in
            let form = try await client.execute(uri: "/console/sign-in", method: .get)
            let token = try #require(Self.setCookie(ConsoleCookieName.signIn, form))
            #expect(token.line.contains("HttpOnly") && token.line.contains("SameSite=Strict") && !token.line.contains("Secure"))
            var headers = Self.formType
            headers[.cookie] = "\(ConsoleCookieName.signIn)=\(token.value)"
            let response = try await client.execute(
                uri: "/console/sign-in", method: .post, headers: headers,
                body: Self.form(["csrf": token.value, "name": "auditor-1", "key": Self.keys[.auditor]!]))
            #expect(response.status == .seeOther)
            let session = try #require(Self.setCookie(ConsoleCookieName.session, response))
            #expect(session.line.contains("; HttpOnly") && session.line.contains("; SameSite=Strict") && session.line.contains("Path=/console"))
            #expect(!session.line.contains("Secure"))
            // 256 random bits, base64url.
            #expect(session.value.count == 43)
            let entries = try await gateway.entries()
            let signIn = try #require(entries.last { entry in entry.event.detail["operation"] == "console.sign_in" })
            #expect(signIn.event.outcome == .ok && signIn.event.credential == "admin:auditor-1" && signIn.event.detail["role"] == "auditor")
            // The session id is never recorded.
            #expect(!entries.contains { entry in String(decoding: entry.jsonBytes, as: UTF8.self).contains(session.value) })
        }
    }

    @Test func withTLSTheSessionCookieIsSecure() async throws {
        let pki = try await TestCertificates.shared()
        try await Self.withGateway(configure: { $0.tls = TLSSettings(certificateFile: pki.serverCertificateFile, keyFile: pki.serverKeyFile) }) { _, client in
            let form = try await client.execute(uri: "/console/sign-in", method: .get)
            let token = try #require(Self.setCookie(ConsoleCookieName.signIn, form))
            #expect(token.line.contains("; Secure"))
            var headers = Self.formType
            headers[.cookie] = "\(ConsoleCookieName.signIn)=\(token.value)"
            let response = try await client.execute(
                uri: "/console/sign-in", method: .post, headers: headers,
                body: Self.form(["csrf": token.value, "name": "admin-1", "key": Self.keys[.admin]!]))
            let session = try #require(Self.setCookie(ConsoleCookieName.session, response))
            #expect(session.line.contains("; HttpOnly") && session.line.contains("; SameSite=Strict") && session.line.contains("; Secure"))
        }
    }

    @Test func aWrongKeyOrAMissingFormTokenIsRefusedAndRecorded() async throws {
        try await Self.withGateway { gateway, client in
            let form = try await client.execute(uri: "/console/sign-in", method: .get)
            let token = try #require(Self.setCookie(ConsoleCookieName.signIn, form)).value
            var headers = Self.formType
            headers[.cookie] = "\(ConsoleCookieName.signIn)=\(token)"
            let wrong = try await client.execute(
                uri: "/console/sign-in", method: .post, headers: headers, body: Self.form(["csrf": token, "name": "admin-1", "key": "ra_wrong"]))
            #expect(wrong.status == .unauthorized)
            #expect(Self.setCookie(ConsoleCookieName.session, wrong) == nil)
            let noToken = try await client.execute(
                uri: "/console/sign-in", method: .post, headers: headers, body: Self.form(["name": "admin-1", "key": Self.keys[.admin]!]))
            #expect(noToken.status == .forbidden)
            #expect(Self.setCookie(ConsoleCookieName.session, noToken) == nil)
            let events = try await gateway.entries().filter { entry in entry.event.detail["operation"] == "console.sign_in" }.map(\.event)
            #expect(events.map(\.code) == ["unauthenticated", "forbidden"])
            #expect(events.allSatisfy { event in event.outcome == .denied && event.credential == nil && event.detail["name"] == "admin-1" })
        }
    }

    @Test func aStateChangingRequestWithoutTheSessionsTokenIsRefused() async throws {
        try await Self.withGateway { gateway, client in
            let (session, csrf) = try await Self.signIn(client, as: .soc)
            var headers = Self.formType
            headers[.cookie] = "\(ConsoleCookieName.session)=\(session)"
            for fields in [["agentId": Self.agent, "reason": "no token"], ["agentId": Self.agent, "reason": "wrong", "csrf": "x" + csrf.dropFirst()]] {
                let refused = try await client.execute(uri: "/console/deny-list/block", method: .post, headers: headers, body: Self.form(fields))
                #expect(refused.status == .forbidden)
                #expect(try await gateway.denyList.all().isEmpty)
                let event = try #require(try await gateway.entries().last { entry in entry.event.action == .adminRequest }).event
                #expect(event.detail["operation"] == "console.deny_list.block" && event.outcome == .denied && event.detail["field"] == "csrf")
            }
            // Another session's token does not do either.
            let other = try await Self.signIn(client, as: .admin)
            let crossed = try await client.execute(
                uri: "/console/deny-list/block", method: .post, headers: headers,
                body: Self.form(["agentId": Self.agent, "reason": "crossed", "csrf": other.csrf]))
            #expect(crossed.status == .forbidden)
            let allowed = try await client.execute(
                uri: "/console/deny-list/block", method: .post, headers: headers,
                body: Self.form(["agentId": Self.agent, "reason": "INC-7 scraping", "csrf": csrf]))
            #expect(allowed.status == .seeOther)
            #expect(gateway.denyList.isBlocked(Self.agent))
            // Sign-out needs the token too.
            let signOut = try await client.execute(uri: "/console/sign-out", method: .post, headers: headers, body: Self.form([:]))
            #expect(signOut.status == .forbidden)
        }
    }

    @Test func aSessionEndsWhenIdleAtItsAbsoluteLimitAndOnSignOut() async throws {
        try await Self.withGateway { gateway, client in
            var (session, _) = try await Self.signIn(client)
            gateway.clock.advance(by: .seconds(14 * 60))
            #expect(try await client.execute(uri: "/console/sinks", method: .get, headers: Self.cookie(session)).status == .ok)
            gateway.clock.advance(by: .seconds(16 * 60))
            let idle = try await client.execute(uri: "/console/sinks", method: .get, headers: Self.cookie(session))
            #expect(idle.status == .seeOther && idle.headers[.location] == "/console/sign-in")

            (session, _) = try await Self.signIn(client)
            for _ in 0..<35 {
                gateway.clock.advance(by: .seconds(14 * 60))
                _ = try await client.execute(uri: "/console/sinks", method: .get, headers: Self.cookie(session))
            }
            #expect(try await client.execute(uri: "/console/sinks", method: .get, headers: Self.cookie(session)).status == .seeOther)

            let last = try await Self.signIn(client)
            session = last.session
            let csrf = last.csrf
            var headers = Self.formType
            headers[.cookie] = "\(ConsoleCookieName.session)=\(session)"
            let out = try await client.execute(uri: "/console/sign-out", method: .post, headers: headers, body: Self.form(["csrf": csrf]))
            #expect(out.status == .seeOther)
            #expect(try #require(Self.setCookie(ConsoleCookieName.session, out)).line.contains("Max-Age=0"))
            #expect(try await client.execute(uri: "/console/sinks", method: .get, headers: Self.cookie(session)).status == .seeOther)
            let refused = try #require(try await gateway.entries().last { entry in entry.event.detail["operation"] == "console.session" }).event
            #expect(refused.outcome == .denied && refused.code == "unauthenticated")
        }
    }

    @Test func aPageTheRoleMayNotSeeIs403AndRecorded() async throws {
        try await Self.withGateway { gateway, client in
            let (session, _) = try await Self.signIn(client, as: .auditor)
            let page = try await client.execute(uri: "/console/deny-list", method: .get, headers: Self.cookie(session))
            #expect(page.status == .forbidden)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let event = try #require(try await gateway.entries().last { entry in entry.event.action == .adminRequest }).event
            #expect(event.detail["operation"] == "console.deny_list" && event.outcome == .denied && event.code == "forbidden")
            #expect(event.credential == "admin:auditor-1" && page.headers[.auditEventId] == event.id.rawValue)
            // The navigation offers only what the role may see.
            let allowed = String(buffer: try await client.execute(uri: "/console/customers", method: .get, headers: Self.cookie(session)).body)
            #expect(allowed.contains(#"href="/console/integrity""#) && !allowed.contains(#"href="/console/deny-list""#))
        }
    }

    @Test func everyPageViewIsRecordedBeforeItIsSentWithTheQueryAsked() async throws {
        try await Self.withGateway { gateway, client in
            let (session, _) = try await Self.signIn(client)
            let pages = [
                ("/console/customers?customer=C-9&view=data-subject", "console.customers"), ("/console/customers/export?customer=C-9", "console.customers.export"),
                ("/console/agents?agent=\(Self.agent)", "console.agents"), ("/console/alerts", "console.alerts"), ("/console/alerts.json", "console.alerts.poll"),
                ("/console/deny-list", "console.deny_list"), ("/console/integrity", "console.integrity"), ("/console/sinks", "console.sinks"),
            ]
            for (uri, operation) in pages {
                let response = try await client.execute(uri: uri, method: .get, headers: Self.cookie(session))
                #expect(response.status == .ok, "\(uri)")
                let event = try #require(try await gateway.entries().last { entry in entry.event.action == .adminRequest }).event
                #expect(event.detail["operation"] == operation && event.credential == "admin:admin-1" && event.outcome == .ok)
                #expect(response.headers[.auditEventId] == event.id.rawValue)
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true)
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                if operation == "console.customers" { #expect(event.customer == "C-9" && event.detail["view"] == "data-subject") }
                if operation == "console.agents" { #expect(event.agent == Self.agent) }
            }
            let script = try await client.execute(uri: "/console/static/console.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType]?.hasPrefix("text/javascript") == true)
        }
    }

    @Test func everyValueIsHTMLEscaped() async throws {
        try await Self.withGateway { gateway, client in
            let time = gateway.clock.now()
            _ = try await gateway.journal.append(AuditEventDraft(
                id: .make(at: time), time: time, node: "test-node", action: .customerRead, outcome: .served,
                credential: "genesys-test", agent: "<img src=x onerror=alert(1)>", interaction: "\"><script>alert(2)</script>", customer: "C-<b>",
                fields: ["name"]))
            let (session, _) = try await Self.signIn(client, as: .auditor)
            let html = String(buffer: try await client.execute(
                uri: "/console/customers?customer=C-%3Cb%3E", method: .get, headers: Self.cookie(session)).body)
            #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;") && html.contains("&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"))
            #expect(!html.contains("<img src=x") && !html.contains("<script>alert"))
            #expect(html.contains("C-&lt;b&gt;"))
        }
    }
}

/// The console's cookie names, as the browser sees them.
enum ConsoleCookieName {
    static let session = "readaudit_console"
    static let signIn = "readaudit_console_signin"
}
