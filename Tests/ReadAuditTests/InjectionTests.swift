import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Hostile customer ids never reach the CRM altered: each is refused with 400, or arrives as exactly one
/// percent-encoded path segment, as the stub CRM's raw request line shows.
@Suite struct InjectionTests {
    @Test func everyPlaceholderInTheTemplateBecomesTheEncodedId() {
        let crm = CRMConfiguration(urlTemplate: "https://crm.example/v1/{customerId}/profile?for={customerId}")
        #expect(crm.url(for: "a/b c%") == "https://crm.example/v1/a%2Fb%20c%25/profile?for=a%2Fb%20c%25")
        #expect(CRMConfiguration(urlTemplate: "http://x/c/{customerId}").url(for: "C-1") == "http://x/c/C-1")
        #expect(CRMConfiguration(urlTemplate: "http://x/c/{customerId}").url(for: "{customerId}") == "http://x/c/%7BcustomerId%7D")
    }

    static let hostileIds: [String] = [
        "../admin", "..", ".", "1?x=y", "a/b", "%2e%2e%2f", "C-1#fragment", "C-1;jsessionid=1", "C-1 HTTP/1.1\r\nX: y",
        "\u{0}", "tab\there", "line\nbreak", "\u{7F}", "Müller", "客户", "😀", "C-1/../../etc/passwd", "\\..\\admin",
        String(repeating: "A", count: 10 * 1024), "C-1%00", "?", "#", "//evil.example/x", "@evil.example",
    ]

    @Test(arguments: [false, true])
    func hostileCustomerIdsAreRejectedOrSentAsOneEncodedSegment(permissivePattern: Bool) async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                // The permissive pattern lets everything past validation, so encoding alone must hold the line.
                if permissivePattern { $0.customerIdPattern = "^[\\s\\S]{1,20000}$" }
            }
            defer { gateway.directory.remove() }
            let expectedTargets = try await gateway.application().test(.router) { client in
                var expectedTargets: [String] = []
                for id in Self.hostileIds {
                    let response = try await client.execute(
                        uri: "/v1/customer-data", method: .post,
                        headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"],
                        body: ByteBuffer(string: TestCredentials.body(customerId: id)))
                    if response.status == .badRequest {
                        #expect(String(buffer: response.body).contains(#""field":"customerId""#))
                        continue
                    }
                    expectedTargets.append("/customers/" + Self.encodedSegment(id))
                    #expect([.notFound, .badGateway].contains(response.status), "unexpected \(response.status) for \(id.prefix(40))")
                }
                return expectedTargets
            }
            if !permissivePattern {
                #expect(crm.requestTargets.isEmpty, "the default format must refuse every hostile id")
            }
            #expect(crm.requestTargets == expectedTargets)
            for target in crm.requestTargets {
                let segment = target.dropFirst("/customers/".count)
                #expect(!segment.contains("/") && !segment.contains("?") && !segment.contains("#"))
                #expect(segment != "." && segment != "..")
            }
            // Every attempt was recorded, accepted or not.
            #expect(try await gateway.readEvents().count == Self.hostileIds.count)
        }
    }

    /// Independent of the gateway's encoder: every byte but RFC 3986 unreserved characters as %XX.
    static func encodedSegment(_ id: String) -> String {
        id.utf8.map { byte -> String in
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~").contains(scalar) {
                return String(Character(scalar))
            }
            return String(format: "%%%02X", byte)
        }.joined()
    }

    /// A streamed body of unknown length goes out with `Transfer-Encoding: chunked`, as Genesys may send it.
    static func postChunked(_ chunks: [ByteBuffer], port: Int) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/customer-data")
        request.method = .POST
        request.headers.add(name: "Authorization", value: TestCredentials.bearer)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .stream(chunks.async, length: .unknown)
        return try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    }

    @Test func chunkedRequestBodiesAreAccepted() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.live) { client in
                let body = Array(TestCredentials.body(customerId: "C-1").utf8)
                let chunks = stride(from: 0, to: body.count, by: 16).map { ByteBuffer(bytes: body[$0..<min($0 + 16, body.count)]) }
                let response = try await Self.postChunked(chunks, port: try #require(client.port))
                #expect(response.status == .ok)
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                #expect(text.contains(#""ssn":"***-**-3456""#))
            }
        }
    }

    @Test func aChunkedBodyOverTheLimitIsRefusedWith413() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.live) { client in
                let chunks = (0..<40).map { _ in ByteBuffer(repeating: UInt8(ascii: "a"), count: 1024) }
                let response = try await Self.postChunked(chunks, port: try #require(client.port))
                #expect(response.status.code == 413)
            }
            #expect(crm.requestTargets.isEmpty)
            #expect(try await gateway.readEvents().last?.code == "payload_too_large")
        }
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence (for streamed request bodies).
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
