import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The real binary with TLS on the gateway listener and a separate admin listener that requires client
/// certificates, configured from YAML, with certificates made by openssl.
@Suite struct TLSTests {
    static let adminKey = "ra_tls-test-admin-key-0123456789"

    static func client(_ pki: TestCertificates, withClientCertificate: Bool) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(pki.caFile)
        if withClientCertificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(pki.clientCertificateFile).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: pki.clientKeyFile, format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func get(_ client: HTTPClient, _ url: String, bearer: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test func gatewayAndAdminListenersServeTLSAndTheAdminListenerRequiresAClientCertificate() async throws {
        let pki = try await TestCertificates.shared()
        try await StubCRM().run { crm in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let port = try freeLoopbackPort()
            var adminPort = try freeLoopbackPort()
            while adminPort == port { adminPort = try freeLoopbackPort() }
            let config = directory.file("readaudit.yaml")
            try """
                node: tls-test
                logLevel: info
                dataDirectory: \(directory.path)
                listen:
                  host: 127.0.0.1
                  port: \(port)
                  tls: {certificate: "\(pki.serverCertificateFile)", key: "\(pki.serverKeyFile)"}
                admin:
                  listen: {host: 127.0.0.1, port: \(adminPort)}
                  tls: {certificate: "\(pki.serverCertificateFile)", key: "\(pki.serverKeyFile)", clientCA: "\(pki.caFile)", requireClientCertificate: true}
                crm: {url: "\(crm.urlTemplate)"}
                credentials:
                  - {name: \(TestCredentials.name), keyHash: "\(CallerCredential.hashText(ofKey: TestCredentials.key))"}
                adminCredentials:
                  - {name: tls-admin, keyHash: "\(CallerCredential.hashText(ofKey: Self.adminKey))", role: admin}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let gateway = try RunningGateway(arguments: ["serve", "--config", config])
            defer { gateway.terminate() }
            // Ready when both listeners have logged that they listen.
            for _ in 0..<3000 where gateway.output.components(separatedBy: "listening on").count < 3 {
                if !gateway.process.isRunning { throw TestSupportError("readaudit exited: \(gateway.output)") }
                try await Task.sleep(for: .milliseconds(20))
            }

            let trusting = try Self.client(pki, withClientCertificate: false)
            let withCertificate = try Self.client(pki, withClientCertificate: true)
            do {
                try await Self.exercise(port: port, adminPort: adminPort, trusting: trusting, withCertificate: withCertificate)
            } catch {
                try? await trusting.shutdown()
                try? await withCertificate.shutdown()
                throw error
            }
            try await trusting.shutdown()
            try await withCertificate.shutdown()
        }
    }

    static func exercise(port: Int, adminPort: Int, trusting: HTTPClient, withCertificate: HTTPClient) async throws {
        do {
            // The gateway listener: TLS, a read works, and no /admin route is served there.
            #expect(try await Self.get(trusting, "https://localhost:\(port)/healthz").status == 200)
            var read = HTTPClientRequest(url: "https://localhost:\(port)/v1/customer-data")
            read.method = .POST
            read.headers.add(name: "Authorization", value: TestCredentials.bearer)
            read.headers.add(name: "Content-Type", value: "application/json")
            read.body = .bytes(ByteBuffer(string: TestCredentials.body(customerId: "C-1")))
            let served = try await trusting.execute(read, timeout: .seconds(10))
            #expect(served.status == .ok)
            _ = try await served.body.collect(upTo: 1 << 20)
            #expect(try await Self.get(trusting, "https://localhost:\(port)/admin/v1/verification", bearer: Self.adminKey).status == 404)
            // Plain HTTP to the TLS port gets no HTTP answer.
            await #expect(throws: (any Error).self) {
                _ = try await Self.get(HTTPClient.shared, "http://127.0.0.1:\(port)/healthz")
            }

            // The admin listener: no client certificate, no handshake; with one, the admin API answers.
            await #expect(throws: (any Error).self) {
                _ = try await Self.get(trusting, "https://localhost:\(adminPort)/admin/v1/verification", bearer: Self.adminKey)
            }
            let admin = try await Self.get(withCertificate, "https://localhost:\(adminPort)/admin/v1/verification", bearer: Self.adminKey)
            #expect(admin.status == 200)
            #expect(try await Self.get(withCertificate, "https://localhost:\(adminPort)/admin/v1/verification").status == 401)
            // The admin listener serves nothing of the read path.
            #expect(try await Self.get(withCertificate, "https://localhost:\(adminPort)/v1/customer-data").status == 404)
        }
    }

    @Test func tlsSettingsAreReadFromYAMLAndAClientCertificateRequirementNeedsACA() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("c.yaml")
        try """
            listen: {host: 0.0.0.0, port: 8443, tls: {certificate: certs/server.pem, key: /etc/readaudit/server-key.pem}}
            admin:
              listen: {host: 127.0.0.1, port: 9443}
              tls: {certificate: a.pem, key: a-key.pem, clientCA: ca.pem, requireClientCertificate: true}
            proxy: {trustedProxies: ["127.0.0.1", "10.0.0.0/8"], header: X-Forwarded-For}
            limits:
              maxHeaderBytes: 8192
              idleTimeoutMs: 20000
              requestTimeoutMs: 5000
              maxConcurrentUpstream: 16
              authFailures: {limit: 5, windowSeconds: 120}
              rateLimit: {requestsPerSecond: 2.5, burst: 10}
              maxTrackedSources: 500
            clock: {jumpToleranceMs: 2000}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ReadAuditConfiguration.load(path: path, environment: [:])
        #expect(configuration.tls?.certificateFile == directory.file("certs/server.pem"))
        #expect(configuration.tls?.keyFile == "/etc/readaudit/server-key.pem")
        #expect(configuration.admin?.port == 9443)
        #expect(configuration.admin?.tls?.requireClientCertificate == true)
        #expect(configuration.admin?.tls?.clientCAFile == directory.file("ca.pem"))
        #expect(configuration.proxy.trustedProxies.map(\.description) == ["127.0.0.1", "10.0.0.0/8"])
        #expect(configuration.limits.maxHeaderBytes == 8192)
        #expect(configuration.limits.idleTimeout == .seconds(20))
        #expect(configuration.limits.requestTimeout == .seconds(5))
        #expect(configuration.limits.maxConcurrentUpstream == 16)
        #expect(configuration.limits.authFailureLimit == 5 && configuration.limits.authFailureWindow == .seconds(120))
        #expect(configuration.limits.ratePerSecond == 2.5 && configuration.limits.rateBurst == 10)
        #expect(configuration.limits.maxTrackedSources == 500)
        #expect(configuration.clock.jumpTolerance == .seconds(2))

        try "admin: {tls: {certificate: a.pem, key: b.pem, requireClientCertificate: true}}"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try ReadAuditConfiguration.load(path: path, environment: [:]) }
        try "proxy: {trustedProxies: [not-an-address]}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try ReadAuditConfiguration.load(path: path, environment: [:]) }
        try "limits: {maxConcurrentUpstream: 0}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try ReadAuditConfiguration.load(path: path, environment: [:]) }
    }
}
