import AsyncHTTPClient
import Crypto
import Foundation
import Logging
@testable import ReadAudit
import ReadAuditTestSupport
import Testing

/// The Splunk HEC sink against a collector built to the documented protocol: nothing lost, nothing looping,
/// duplicates only after an ambiguous timeout and always with the same event id.
@Suite struct SplunkHECSinkTests {
    static func sink(
        _ hec: StubSplunkHEC, name: String = "splunk", ack: Bool = false, timeout: Duration = .seconds(5),
        maxEvents: Int = 100, degradedAfter: Duration = .seconds(60), exporter: EventExporter = EventExporter(),
        configure: (inout SplunkHECSinkConfiguration) -> Void = { _ in }
    ) -> ConfiguredSink {
        var configuration = SplunkHECSinkConfiguration(
            url: hec.url, token: Secret(hec.token), index: "audit", source: "readaudit", sourcetype: "readaudit:event",
            ack: ack, ackPollInterval: .milliseconds(10), ackTimeout: .seconds(5), requestTimeout: timeout)
        configure(&configuration)
        let limits = SinkBatchLimits(maxEvents: maxEvents, maxBytes: 900_000, maxDelay: .zero)
        let sink = SplunkHECSink(
            name: name, configuration: configuration, limits: limits, exporter: exporter, client: HTTPClient.shared,
            logger: Logger(label: "hec"))
        return ConfiguredSink(sink, limits: limits, degradedAfter: degradedAfter)
    }

    @Test func everyEventArrivesOnceGzippedWithItsEnvelope() async throws {
        try await StubSplunkHEC().run { hec in
            let configured = Self.sink(hec)
            try await ShipperHarness.run(sinks: [configured]) { harness in
                let written = try await harness.appendReads(250)
                try await harness.waitUntilShipped(configured.sink)
                #expect(hec.received == written.map(\.event.id.rawValue))
                #expect(hec.requestCount >= 3 && hec.gzipRequestCount == hec.requestCount)
                let first = try #require(hec.envelopes.first)
                let fields = Dictionary(first.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
                #expect(fields["index"] == .string("audit"))
                #expect(fields["sourcetype"] == .string("readaudit:event"))
                #expect(fields["host"] == .string("harness"))
                let micros = written[0].event.time.microseconds
                #expect(fields["time"] == .number("\(micros / 1_000_000).\(String(format: "%06lld", micros % 1_000_000))"))
                #expect(fields["fields"]?.objectMembers?.first { $0.0 == "event_id" }?.1 == .string(written[0].event.id.rawValue))
            }
        }
    }

    @Test func aPartlyFullBatchWaitsForMoreUpToItsDelay() async throws {
        try await StubSplunkHEC().run { hec in
            var configured = Self.sink(hec)
            configured.limits.maxDelay = .seconds(1)
            try await ShipperHarness.run(sinks: [configured]) { harness in
                let written = try await harness.appendReads(5)
                try await harness.waitUntilShipped(configured.sink)
                // Five events appended one by one within the delay leave together, in one request.
                #expect(hec.received == written.map(\.event.id.rawValue))
                #expect(hec.requestCount == 1)
            }
        }
    }

    @Test func aBusyCollectorIsRetriedUntilEverythingArrives() async throws {
        try await StubSplunkHEC().run { hec in
            hec.behaviour = .busy
            let configured = Self.sink(hec)
            try await ShipperHarness.run(sinks: [configured]) { harness in
                let written = try await harness.appendReads(40)
                try await harness.waitUntil("the shipper retried") { hec.requestCount >= 3 }
                #expect(try await harness.store.cursor(sink: "splunk") == nil)
                hec.behaviour = .healthy
                try await harness.waitUntilShipped(configured.sink)
                #expect(hec.received == written.map(\.event.id.rawValue))
            }
        }
    }

    @Test func code6QuarantinesTheBadEventAndDeliversTheOthers() async throws {
        try await StubSplunkHEC().run { hec in
            hec.behaviour = .busy
            let configured = Self.sink(hec)
            try await ShipperHarness.run(sinks: [configured]) { harness in
                let written = try await harness.appendReads(30)
                let bad = written[12].event.id.rawValue
                hec.behaviour = .rejectEvent(id: bad)
                try await harness.waitUntilShipped(configured.sink)
                let arrived = hec.received
                #expect(!arrived.contains(bad))
                let reads = Set(written.map(\.event.id.rawValue))
                #expect(Set(arrived.filter { reads.contains($0) }) == reads.subtracting([bad]))
                #expect(arrived.count == Set(arrived).count, "no duplicates")
                // The refusal is itself a journal event, shipped like any other.
                let quarantines = try await harness.entries().filter { $0.event.action == .sinkRejected }
                #expect(quarantines.count == 1)
                let quarantine = try #require(quarantines.first)
                #expect(quarantine.event.detail["eventId"] == bad)
                #expect(quarantine.event.detail["sink"] == "splunk")
                #expect(arrived.contains(quarantine.event.id.rawValue))
            }
        }
    }

    @Test func aRefusalThatNamesNoEventIsNarrowedDownByHalving() async throws {
        try await StubSplunkHEC().run { hec in
            hec.behaviour = .busy
            let configured = Self.sink(hec)
            try await ShipperHarness.run(sinks: [configured]) { harness in
                let written = try await harness.appendReads(64)
                let bad = written[41].event.id.rawValue
                let before = hec.requestCount
                hec.behaviour = .rejectEventSilently(id: bad)
                try await harness.waitUntil("the others arrived") { hec.received.count >= 63 }
                let reads = Set(written.map(\.event.id.rawValue))
                #expect(Set(hec.received.filter { reads.contains($0) }) == reads.subtracting([bad]))
                // 64 events: one refused request, then halves down to the culprit — not 64 single requests.
                #expect(hec.requestCount - before <= 1 + 2 * 6 + 2)
                try await harness.waitUntil("the quarantine is recorded") {
                    try await harness.entries().contains { $0.event.action == .sinkRejected && $0.event.detail["eventId"] == bad }
                }
            }
        }
    }

    @Test func aRefusedTokenStopsTheSinkRaisesDegradedAndKeepsTheBacklog() async throws {
        try await StubSplunkHEC().run { hec in
            hec.behaviour = .invalidToken
            let configured = Self.sink(hec)
            try await ShipperHarness.run(sinks: [configured]) { harness in
                try await harness.appendReads(10)
                try await harness.waitUntil("degraded is recorded") {
                    try await harness.entries().contains { $0.event.action == .sinkDegraded }
                }
                let requests = hec.requestCount
                try await harness.appendReads(5, startingAt: 10)
                try await harness.waitUntil("the state is reported") { harness.monitor.all["splunk"]?.health == .stopped }
                #expect(hec.requestCount == requests, "a refused sink is not retried")
                #expect(try await harness.store.cursor(sink: "splunk") == nil)
                let degraded = try #require(try await harness.entries().first { $0.event.action == .sinkDegraded })
                #expect(degraded.event.detail["reason"]?.contains("code 4") == true)
            }
        }
    }

    @Test func withAcksTheCursorMovesOnlyOnceSplunkHasIndexed() async throws {
        try await StubSplunkHEC(ackEnabled: true).run { hec in
            hec.autoAck = false
            let configured = Self.sink(hec, ack: true)
            try await ShipperHarness.run(sinks: [configured]) { harness in
                let written = try await harness.appendReads(20)
                try await harness.waitUntil("the batch is sent") { hec.pendingAckCount > 0 }
                #expect(try await harness.store.cursor(sink: "splunk") == nil)
                // From now on Splunk indexes whatever is pending whenever we look.
                try await harness.waitUntil("everything is acknowledged") {
                    hec.releaseAcks()
                    return try await harness.store.cursor(sink: "splunk") ?? 0 >= written.last!.sequence
                }
                #expect(hec.received == written.map(\.event.id.rawValue))
            }
        }
    }

    @Test func anAmbiguousTimeoutMayDuplicateButOnlyWithTheSameIds() async throws {
        try await StubSplunkHEC().run { hec in
            hec.behaviour = .busy
            let configured = Self.sink(hec, timeout: .seconds(1))
            try await ShipperHarness.run(sinks: [configured]) { harness in
                let written = try await harness.appendReads(10)
                try await harness.waitUntil("a whole batch is being retried") { hec.requestCount >= 2 }
                // The next attempt is indexed, but its answer comes after the sink gave up: it cannot know.
                let before = hec.requestCount
                hec.behaviour = .slowAnswer(delay: .seconds(3))
                try await harness.waitUntil("the slow request arrived") { hec.requestCount > before }
                hec.behaviour = .healthy
                try await harness.waitUntilShipped(configured.sink)
                let ids = written.map(\.event.id.rawValue)
                #expect(Set(hec.received) == Set(ids), "every event, and only those")
                #expect(hec.received.count == 2 * ids.count, "the duplicate is the whole ambiguous batch, same ids")
            }
        }
    }

    @Test func aLongOutageRaisesDegradedThenRecovered() async throws {
        try await StubSplunkHEC().run { hec in
            hec.behaviour = .internalError
            let configured = Self.sink(hec, degradedAfter: .zero)
            try await ShipperHarness.run(sinks: [configured]) { harness in
                let written = try await harness.appendReads(5)
                try await harness.waitUntil("degraded is recorded") {
                    try await harness.entries().contains { $0.event.action == .sinkDegraded }
                }
                hec.behaviour = .healthy
                try await harness.waitUntil("recovered is recorded") {
                    try await harness.entries().contains { $0.event.action == .sinkRecovered }
                }
                try await harness.waitUntilShipped(configured.sink)
                let all = try await harness.entries()
                #expect(Set(written.map(\.event.id.rawValue)).isSubset(of: Set(hec.received)))
                // The degraded and recovered events reach the sink that was down, too.
                #expect(all.filter { $0.event.action != .customerRead }.allSatisfy { hec.received.contains($0.event.id.rawValue) })
            }
        }
    }

    @Test func withHECDownDatadogKeepsReceivingEverything() async throws {
        try await StubSplunkHEC().run { hec in
            hec.behaviour = .busy
            try await StubDatadog(apiKey: DatadogSinkTests.key).run { datadog in
                let splunk = Self.sink(hec)
                let datadogSink = ConfiguredSink(DatadogSinkTests.sink(datadog))
                try await ShipperHarness.run(sinks: [splunk, datadogSink]) { harness in
                    // Round after round, Datadog catches up with the journal while HEC refuses every request.
                    for round in 0..<3 {
                        let written = try await harness.appendReads(50, startingAt: round * 50)
                        try await harness.waitUntilShipped(datadogSink.sink)
                        #expect(Set(written.map(\.event.id.rawValue)).isSubset(of: Set(datadog.eventIDs)))
                    }
                    #expect(hec.received.isEmpty && hec.requestCount >= 2)
                    #expect(try await harness.store.cursor(sink: "splunk") == nil)
                    hec.behaviour = .healthy
                    try await harness.waitUntilShipped(splunk.sink)
                }
                #expect(Set(hec.received) == Set(datadog.eventIDs))
            }
        }
    }

    @Test func pseudonymisedSinksNeverSeeCustomerIds() async throws {
        try await StubSplunkHEC().run { hec in
            let key = SymmetricKey(data: Data("deployment-key".utf8))
            let configured = Self.sink(hec, exporter: EventExporter(pseudonymKey: key))
            try await ShipperHarness.run(sinks: [configured]) { harness in
                try await harness.appendReads(3)
                try await harness.waitUntilShipped(configured.sink)
            }
            let customers = hec.envelopes.compactMap { $0.first { $0.0 == "event" }?.1.objectMembers?.first { $0.0 == "customer" }?.1 }
            #expect(customers == (0..<3).map { .string(EventExporter.pseudonym(of: "C-\($0)", key: key)) })
            #expect(customers.allSatisfy { if case .string(let s) = $0 { s.hasPrefix("hmac-sha256:") && s.count == 76 } else { false } })
        }
    }

    @Test func lateEventsAreMarkedAsReplays() {
        let entry = JournalEntry.seal(JournalTests.draft(1), sequence: 1, after: .genesis)
        let exporter = EventExporter(replayAfter: .seconds(300))
        let fresh = String(decoding: exporter.json(entry, now: entry.event.time), as: UTF8.self)
        let late = String(decoding: exporter.json(entry, now: AuditTime(microseconds: entry.event.time.microseconds + 3_600_000_000)), as: UTF8.self)
        #expect(!fresh.contains("replay"))
        #expect(late.hasSuffix(#","replay":true}"#))
        #expect(late.contains(#""time":"\#(entry.event.time)""#), "the original time is kept")
    }

    @Test(arguments: [
        (200, #"{"text":"Success","code":0}"#, "accepted"),
        (503, #"{"text":"Server is busy","code":9}"#, "retry"),
        (500, #"{"text":"Internal server error","code":8}"#, "retry"),
        (502, "", "retry"),
        (401, #"{"text":"Token is required","code":2}"#, "rejected"),
        (403, #"{"text":"Invalid token","code":4}"#, "rejected"),
        (403, #"{"text":"Token disabled","code":1}"#, "rejected"),
        (400, #"{"text":"Incorrect index","code":7}"#, "rejected"),
        (400, #"{"text":"Invalid data format","code":6,"invalid-event-number":3}"#, "invalid 3"),
        (400, #"{"text":"Event field is required","code":12}"#, "unknown invalid"),
        (413, "", "unknown invalid"),
    ])
    func answersAreClassifiedPerTheDocumentedCodes(status: Int, body: String, expected: String) {
        let classification = HECAnswer(status: status, body: Array(body.utf8)).classify(count: 10)
        let summary = switch classification {
        case .accepted: "accepted"
        case .retry: "retry"
        case .rejected: "rejected"
        case .invalidEvent(let index, _): "invalid \(index)"
        case .unknownInvalidEvent: "unknown invalid"
        }
        #expect(summary == expected)
    }

    @Test func requestsAreCutToTheByteLimit() {
        #expect(RequestSplitter.ranges(sizes: [400, 400, 400, 100], maxBytes: 900) == [0..<2, 2..<4])
        #expect(RequestSplitter.ranges(sizes: [1000, 10], maxBytes: 900) == [0..<1, 1..<2])
        #expect(RequestSplitter.ranges(sizes: [], maxBytes: 900).isEmpty)
    }
}
