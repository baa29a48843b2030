import AsyncHTTPClient
import Foundation
import NIOCore
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The README's first command: `readaudit demo` prints a curl command that answers with a masked record.
@Suite struct DemoTests {
    @Test func theDemosPrintedCurlCommandAnswersWithAMaskedRecord() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try freeLoopbackPort()
        var crmPort = try freeLoopbackPort()
        while crmPort == port { crmPort = try freeLoopbackPort() }
        let demo = try RunningGateway(arguments: [
            "demo", "--port", "\(port)", "--crm-port", "\(crmPort)", "--data-dir", directory.file("demo"),
        ])
        defer { demo.terminate() }
        _ = try await demo.waitForPort()

        // Take the curl command apart exactly as printed: URL, headers, body.
        let banner = demo.output
        let url = try #require(banner.firstMatch(of: /curl -i -X POST (\S+)/)?.1)
        let authorization = try #require(banner.firstMatch(of: /-H 'Authorization: ([^']+)'/)?.1)
        let body = try #require(banner.firstMatch(of: /-d '([^']+)'/)?.1)
        #expect(url == "http://127.0.0.1:\(port)/v1/customer-data")

        var request = HTTPClientRequest(url: String(url))
        request.method = .POST
        request.headers.add(name: "Authorization", value: String(authorization))
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: String(body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        #expect(response.status == .ok, "\(text)")
        #expect(response.headers.first(name: "Audit-Event-Id") != nil)
        #expect(response.headers.first(name: "Cache-Control") == "no-store")
        #expect(text.contains(#""ssn":"***-**-"#))
        #expect(text.firstMatch(of: /"cardNumber":"\d{6}\*+\d{4}"/) != nil)
    }
}
