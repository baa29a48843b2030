import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The HTTP server's own limits, on a live listener: a client trickling its headers or its body is cut
/// within the configured timeout (slowloris), and a head over the size limit is refused and recorded.
@Suite struct SlowClientTests {
    static func gateway(crm: StubCRM) async throws -> TestGateway {
        try await TestGateway.make(crmURL: crm.urlTemplate) {
            $0.limits.idleTimeout = .seconds(1)
            $0.limits.requestTimeout = .seconds(1)
            $0.limits.maxHeaderBytes = 4096
        }
    }

    /// Sends `first`, then one more `trickle` every 250 ms until the server closes; returns how long it took.
    static func trickle(port: Int, first: String, trickle: String) throws -> Duration {
        let connection = try RawConnection(port: port)
        let started = ContinuousClock.now
        connection.send(first)
        while ContinuousClock.now - started < .seconds(15) {
            // Waiting on the socket paces the trickle and notices the close at once.
            if let bytes = connection.receive(timeout: .milliseconds(250)) {
                if bytes.isEmpty { return ContinuousClock.now - started }
                continue
            }
            if !connection.send(trickle) { return ContinuousClock.now - started }
        }
        throw TestSupportError("the server kept a trickling connection open for 15 s")
    }

    /// Polls the journal until `match` finds an event (the server records some refusals after closing).
    static func awaitEvent(_ gateway: TestGateway, _ match: @escaping (AuditEventDraft) -> Bool) async throws -> AuditEventDraft {
        for _ in 0..<500 {
            if let event = try await gateway.entries().map(\.event).first(where: match) { return event }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError("no such event was recorded")
    }

    @Test func aClientTricklingItsHeadersIsDisconnectedWithinTheIdleTimeout() async throws {
        try await StubCRM().run { crm in
            let gateway = try await Self.gateway(crm: crm)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.live) { client in
                let port = try #require(client.port)
                let held = try Self.trickle(port: port, first: "POST /v1/customer-data HTTP/1.1\r\nHost: x\r\n", trickle: "X-Slow: 1\r\n")
                #expect(held >= .milliseconds(900) && held < .seconds(5), "held \(held)")
                // The server is not exhausted: a normal read on a new connection still works. (The test client's
                // own connection sat idle past the timeout too, so it is closed.)
                var read = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/customer-data")
                read.method = .POST
                read.headers.add(name: "Authorization", value: TestCredentials.bearer)
                read.headers.add(name: "Content-Type", value: "application/json")
                read.body = .bytes(ByteBuffer(string: TestCredentials.body(customerId: "C-1")))
                let response = try await HTTPClient.shared.execute(read, timeout: .seconds(10))
                #expect(response.status == .ok)
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            #expect(crm.requestTargets.count == 1)
        }
    }

    @Test func aClientTricklingItsBodyIsCutWithinTheRequestTimeoutAndTheAttemptIsRecorded() async throws {
        try await StubCRM().run { crm in
            let gateway = try await Self.gateway(crm: crm)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.live) { client in
                let port = try #require(client.port)
                let head = "POST /v1/customer-data HTTP/1.1\r\nHost: x\r\nAuthorization: \(TestCredentials.bearer)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2000\r\n\r\n{"
                let held = try Self.trickle(port: port, first: head, trickle: " ")
                #expect(held >= .milliseconds(900) && held < .seconds(5), "held \(held)")
            }
            let event = try await Self.awaitEvent(gateway) { event in event.action == .customerRead }
            #expect(event.code == "request_timeout")
            #expect(event.outcome == .invalid)
            #expect(event.credential == TestCredentials.name)
            #expect(crm.requestTargets.isEmpty)
        }
    }

    @Test func aHeadOverTheSizeLimitClosesTheConnectionAndIsRecorded() async throws {
        try await StubCRM().run { crm in
            let gateway = try await Self.gateway(crm: crm)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.live) { client in
                let port = try #require(client.port)
                let connection = try RawConnection(port: port)
                connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 8192))\r\n\r\n")
                let (bytes, closed) = connection.readUntilClosed(timeout: .seconds(5))
                // The 400 is best effort: the server closes at once, and unread request bytes make that a reset,
                // which can overtake the answer. The connection being closed is what counts.
                let answer = String(decoding: bytes, as: UTF8.self)
                #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 400"))
                #expect(closed)
                let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(10))
                #expect(health.status == .ok)
            }
            let event = try await Self.awaitEvent(gateway) { event in event.action == .httpRejected }
            #expect(event.code == "header_too_large")
            #expect(event.source == "127.0.0.1")
        }
    }
}

/// Plain-HTTP mode behind a TLS-terminating proxy: the forwarded address is believed only from a trusted peer.
@Suite struct ForwardedAddressTests {
    static func sourceRecorded(trusted: [String], forwardedFor: String) async throws -> String? {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                $0.proxy.trustedProxies = trusted.compactMap(IPAddressRange.init)
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.live) { client in
                let response = try await client.execute(
                    uri: "/v1/customer-data", method: .post,
                    headers: [
                        .authorization: TestCredentials.bearer, .contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: forwardedFor,
                    ],
                    body: ByteBuffer(string: TestCredentials.body(customerId: "C-1")))
                #expect(response.status == .ok)
            }
            return try await gateway.readEvents().last?.source
        }
    }

    @Test func theRightMostUntrustedForwardedAddressIsRecordedWhenThePeerIsATrustedProxy() async throws {
        let source = try await Self.sourceRecorded(trusted: ["127.0.0.1", "10.0.0.0/8"], forwardedFor: "192.0.2.66, 198.51.100.7, 10.1.2.3")
        #expect(source == "198.51.100.7")
    }

    @Test func theForwardedHeaderIsIgnoredFromAPeerThatIsNotTrusted() async throws {
        #expect(try await Self.sourceRecorded(trusted: [], forwardedFor: "198.51.100.7") == "127.0.0.1")
        #expect(try await Self.sourceRecorded(trusted: ["10.0.0.0/8"], forwardedFor: "198.51.100.7") == "127.0.0.1")
    }

    @Test func resolverRules() {
        var settings = ProxySettings()
        settings.trustedProxies = ["127.0.0.1", "10.0.0.0/8", "fd00::/8"].compactMap(IPAddressRange.init)
        let resolver = ClientAddressResolver(settings: settings)
        #expect(resolver.resolve(peer: "127.0.0.1", forwarded: ["203.0.113.5"]) == "203.0.113.5")
        #expect(resolver.resolve(peer: "127.0.0.1", forwarded: ["203.0.113.5", "10.9.9.9"]) == "203.0.113.5")
        #expect(resolver.resolve(peer: "127.0.0.1", forwarded: ["10.0.0.1, 10.0.0.2"]) == "10.0.0.1")
        // A hop that is not an address stops the walk at the last trusted one.
        #expect(resolver.resolve(peer: "127.0.0.1", forwarded: ["203.0.113.5, bogus"]) == "127.0.0.1")
        #expect(resolver.resolve(peer: "127.0.0.1", forwarded: ["::ffff:203.0.113.9"]) == "203.0.113.9")
        #expect(resolver.resolve(peer: "192.0.2.1", forwarded: ["203.0.113.5"]) == "192.0.2.1")
        #expect(resolver.resolve(peer: "127.0.0.1", forwarded: []) == "127.0.0.1")
        #expect(IPAddressRange("fd00::/8")?.contains("fd12::1") == true)
        #expect(IPAddressRange("10.0.0.0/33") == nil)
        #expect(IPAddressRange("not-an-ip") == nil)
    }
}
