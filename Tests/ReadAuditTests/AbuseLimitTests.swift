import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Abuse limits: failed-authentication throttling per source, per-credential rates, and the cap on CRM calls
/// in flight. Every refusal is answered with a documented code and recorded.
@Suite struct AbuseLimitTests {
    static func read(_ client: some TestClientProtocol, authorization: String = TestCredentials.bearer, customerId: String = "C-1") async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/customer-data", method: .post, headers: [.authorization: authorization, .contentType: "application/json"],
            body: ByteBuffer(string: TestCredentials.body(customerId: customerId)))
    }

    /// The application of `gateway` with its limits on a manual monotonic clock.
    static func application(_ gateway: TestGateway, monotonic: ManualMonotonicClock) throws -> some ApplicationProtocol {
        var ports = gateway.ports
        ports.monotonic = monotonic
        return try buildApplication(configuration: gateway.configuration, ports: ports, logger: Logger(label: "test-gateway"))
    }

    @Test func aSourceWithTooManyFailedAuthenticationsGets429EvenWithTheRightKeyUntilItsWindowEnds() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                $0.limits.authFailureLimit = 3
                $0.limits.authFailureWindow = .seconds(60)
            }
            defer { gateway.directory.remove() }
            let monotonic = ManualMonotonicClock()
            try await Self.application(gateway, monotonic: monotonic).test(.router) { client in
                for _ in 0..<3 { #expect(try await Self.read(client, authorization: "Bearer ra_guess").status == .unauthorized) }
                let throttled = try await Self.read(client)
                #expect(throttled.status == .tooManyRequests)
                #expect(String(buffer: throttled.body).contains(#""code":"too_many_requests""#))
                #expect(throttled.headers[.retryAfter] == "60")
                #expect(throttled.headers[HTTPField.Name("Audit-Event-Id")!] != nil)
                monotonic.advance(by: .seconds(30))
                #expect(try await Self.read(client).status == .tooManyRequests)
                #expect(try await Self.read(client).headers[.retryAfter] == "30")
                monotonic.advance(by: .seconds(31))
                #expect(try await Self.read(client).status == .ok)
            }
            let events = try await gateway.readEvents()
            #expect(events.map { event in event.code ?? event.outcome.rawValue } == [
                "unauthenticated", "unauthenticated", "unauthenticated", "too_many_requests", "too_many_requests", "too_many_requests", "served",
            ])
            #expect(events.filter { event in event.code == "too_many_requests" }.allSatisfy { event in event.outcome == .denied && event.credential == nil })
            // The CRM was asked once: by the read after the window.
            #expect(crm.requestTargets.count == 1)
        }
    }

    @Test func theThrottleForgetsOldSourcesSoItsMemoryIsBounded() {
        let monotonic = ManualMonotonicClock()
        let throttle = AuthFailureThrottle(limit: 2, window: .seconds(60), maxSources: 100, clock: monotonic)
        throttle.recordFailure(source: "192.0.2.1")
        throttle.recordFailure(source: "192.0.2.1")
        #expect(throttle.retryAfter(source: "192.0.2.1") == 60)
        for index in 0..<1000 { throttle.recordFailure(source: "198.51.100.\(index % 250)-\(index)") }
        #expect(throttle.trackedSources <= 100)
        monotonic.advance(by: .seconds(61))
        #expect(throttle.retryAfter(source: "192.0.2.1") == nil)
    }

    @Test func aCredentialOverItsRateGets429RateLimitedAndIsRecorded() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                $0.limits.ratePerSecond = 1
                $0.limits.rateBurst = 2
            }
            defer { gateway.directory.remove() }
            let monotonic = ManualMonotonicClock()
            try await Self.application(gateway, monotonic: monotonic).test(.router) { client in
                #expect(try await Self.read(client).status == .ok)
                #expect(try await Self.read(client).status == .ok)
                let limited = try await Self.read(client)
                #expect(limited.status == .tooManyRequests)
                #expect(String(buffer: limited.body).contains(#""code":"rate_limited""#))
                #expect(limited.headers[.retryAfter] == "1")
                monotonic.advance(by: .seconds(1))
                #expect(try await Self.read(client).status == .ok)
            }
            let limited = try #require(try await gateway.readEvents().first { event in event.code == "rate_limited" })
            #expect(limited.outcome == .denied)
            #expect(limited.credential == TestCredentials.name)
            #expect(crm.requestTargets.count == 3)
        }
    }

    @Test func aSlowCRMHoldsAtMostTheUpstreamCapAndTheRestAreRefusedAtOnceWith503Overloaded() async throws {
        try await StubCRM().run { crm in
            crm.behaviour = .delay(.seconds(3))
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                $0.limits.maxConcurrentUpstream = 8
                $0.crm.readTimeout = .seconds(10)
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                let started = ContinuousClock.now
                let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?, Duration).self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            let response = try await Self.read(client)
                            return (response.status, response.headers[.retryAfter], ContinuousClock.now - started)
                        }
                    }
                    return try await group.reduce(into: []) { all, result in all.append(result) }
                }
                let served = results.filter { result in result.0 == .ok }
                let overloaded = results.filter { result in result.0 == .serviceUnavailable }
                #expect(served.count == 8)
                #expect(overloaded.count == 42)
                // Refused at once: before the CRM answered any of the eight it holds (each of those waits 3 s).
                // Relative to the first served read, not to a wall-clock bound, which a loaded 2-core machine
                // running the suite in parallel can overrun for every request alike.
                let firstServed = served.map { result in result.2 }.min() ?? .seconds(3)
                #expect(firstServed >= .seconds(3))
                #expect(overloaded.allSatisfy { result in result.1 == "1" && result.2 < firstServed }, "\(overloaded.map { $0.2 }.max()!) vs \(firstServed)")
                // The slots are free again: a normal read goes through.
                crm.behaviour = .records
                #expect(try await Self.read(client).status == .ok)
            }
            #expect(crm.requestTargets.count == 9)
            let events = try await gateway.readEvents()
            #expect(events.count == 51)
            #expect(events.filter { event in event.code == "overloaded" && event.outcome == .upstreamError }.count == 42)
            #expect(events.filter { event in event.outcome == .served }.count == 9)
            #expect(try await JournalVerification.verify(gateway.store).isIntact)
        }
    }
}
