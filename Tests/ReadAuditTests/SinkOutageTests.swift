import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The SIEM is a copy, never a dependency: with the HEC sink down, reads are served; the gateway stays
/// ready and says which sink is degraded; when HEC returns, every event id reaches it.
@Suite struct SinkOutageTests {
    @Test func readsAreServedThroughAnHECOutageAndEveryEventArrivesAfterIt() async throws {
        try await StubCRM().run { crm in
            try await StubSplunkHEC().run { hec in
                hec.behaviour = .busy
                let sink = SplunkHECSinkTests.sink(hec, degradedAfter: .zero)
                let gateway = try await TestGateway.make(crmURL: crm.urlTemplate, sinks: [sink])
                defer { gateway.directory.remove() }
                try await gateway.application().test(.router) { client in
                    for index in 0..<60 {
                        let response = try await client.execute(
                            uri: "/v1/customer-data", method: .post,
                            headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"],
                            body: ByteBuffer(string: TestCredentials.body(customerId: index % 2 == 0 ? "C-1" : "C-2")))
                        #expect(response.status == .ok)
                    }
                    let ready = try await client.execute(uri: "/readyz", method: .get)
                    #expect(ready.status == .ok)
                    #expect(String(buffer: ready.body).contains(#""splunk":"degraded""#))
                    let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                    #expect(metrics.contains(#"readaudit_sink_state{sink="splunk"} 2"#))
                    #expect(metrics.contains(#"readaudit_sink_retries_total{sink="splunk"}"#))

                    hec.behaviour = .healthy
                    let deadline = ContinuousClock.now + .seconds(20)
                    while try await gateway.store.cursor(sink: "splunk") ?? 0 < gateway.store.headSequence(), ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    // The state turns healthy with the first accepted batch (the cursor can reach the head a
                    // moment before the shipper has recorded its recovery).
                    var recovered = ""
                    while !recovered.contains(#""splunk":"healthy""#), ContinuousClock.now < deadline {
                        recovered = String(buffer: try await client.execute(uri: "/readyz", method: .get).body)
                        if !recovered.contains(#""splunk":"healthy""#) { try await Task.sleep(for: .milliseconds(10)) }
                    }
                    #expect(recovered.contains(#""splunk":"healthy""#))
                }
                let entries = try await gateway.entries()
                let arrived = Set(hec.received)
                let reads = entries.filter { $0.event.action == .customerRead }
                #expect(reads.count == 60)
                #expect(reads.allSatisfy { arrived.contains($0.event.id.rawValue) }, "every read reached HEC after the outage")
                #expect(entries.contains { $0.event.action == .sinkDegraded } && entries.contains { $0.event.action == .sinkRecovered })
            }
        }
    }
}
