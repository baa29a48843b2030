import AsyncHTTPClient
import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The Datadog logs sink against a stub of the intake: shape of each log, limits, the 18-hour rule,
/// classification of every answer, and the whole path through a shipper.
@Suite struct DatadogSinkTests {
    typealias H = SinkTestHarness
    static let key = "dd-test-key"

    static func sink(
        _ stub: StubDatadog, _ configuration: DatadogSinkConfiguration? = nil,
        limits: SinkBatchLimits = SinkBatchLimits(maxEvents: 1000, maxBytes: 5_000_000, maxDelay: .zero),
        exporter: EventExporter = EventExporter()
    ) -> DatadogSink {
        DatadogSink(
            name: "datadog", configuration: configuration ?? stub.sinkConfiguration(), limits: limits, exporter: exporter,
            client: .shared, logger: Logger(label: "test"))
    }

    // MARK: Pure parts, no sockets

    @Test(arguments: [
        (202, JSONArrayAnswer.Verdict.accepted), (200, .accepted),
        (408, .retry("Datadog answered HTTP 408")), (429, .retry("Datadog answered HTTP 429")),
        (500, .retry("Datadog answered HTTP 500")), (503, .retry("Datadog answered HTTP 503")),
        (400, .refused("Datadog answered HTTP 400")), (413, .refused("Datadog answered HTTP 413")),
        (401, .rejected("Datadog answered HTTP 401 (check the sink's key or secret)")),
        (403, .rejected("Datadog answered HTTP 403 (check the sink's key or secret)")),
        (404, .rejected("Datadog answered HTTP 404")),
    ])
    func everyDatadogAnswerHasOneClassification(status: Int, verdict: JSONArrayAnswer.Verdict) {
        #expect(JSONArrayAnswer(intake: "Datadog", status: status).verdict == verdict)
    }

    @Test func aRefusedArrayIsHalvedUntilTheBadEntryIsAloneThenQuarantined() async {
        let sent = LockedBox<[Range<Int>]>([])
        let result = await JSONArrayDelivery(maxEntries: 8, maxBytes: 1 << 20).deliver(Array(repeating: [0x31], count: 12)) { range in
            sent.withLock { $0.append(range) }
            return range.contains(5) ? .refused("bad entry") : .accepted
        }
        #expect(result == .partial(accepted: 5, quarantined: "bad entry"))
        // 0..<8 refused: 0..<4 taken; 4..<8 refused: 4..<6 refused: 4 taken, 5 alone refused. The rest waits.
        #expect(sent.value == [0..<8, 0..<4, 4..<8, 4..<6, 4..<5, 5..<6])
    }

    @Test func aFailureAfterSomeArraysKeepsTheirProgress() async {
        let result = await JSONArrayDelivery(maxEntries: 3, maxBytes: 1 << 20).deliver(Array(repeating: [0x31], count: 7)) { range in
            range.lowerBound == 6 ? .retry("busy") : .accepted
        }
        #expect(result == .partial(accepted: 6, quarantined: nil))
        let refusedAlone = await JSONArrayDelivery(maxEntries: 1000, maxBytes: 1 << 20).deliver([[0x31]]) { _ in .refused("too big") }
        #expect(refusedAlone == .partial(accepted: 0, quarantined: "too big"))
        let forbidden = await JSONArrayDelivery(maxEntries: 1000, maxBytes: 1 << 20).deliver([[0x31], [0x32]]) { _ in .rejected("403") }
        #expect(forbidden == .rejected(reason: "403"))
    }

    @Test func arraysAreCutByCountAndByBytesIncludingBracketsAndCommas() {
        #expect(RequestSplitter.ranges(sizes: Array(repeating: 1, count: 2500), maxBytes: .max, maxCount: 1000) == [0..<1000, 1000..<2000, 2000..<2500])
        // [a,b] is 2 + 3 + 1 + 3 = 9 bytes: two 3-byte elements fit in 9, not in 8.
        #expect(RequestSplitter.ranges(sizes: [3, 3, 3], maxBytes: 9, separator: 1, overhead: 2) == [0..<2, 2..<3])
        #expect(RequestSplitter.ranges(sizes: [3, 3, 3], maxBytes: 8, separator: 1, overhead: 2) == [0..<1, 1..<2, 2..<3])
    }

    @Test func theExampleDatadogSinkLoadsOnceUncommented() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try H.writeExampleSink("datadog", to: directory.file("c.yaml"))
        let configuration = try ReadAuditConfiguration.load(
            path: directory.file("c.yaml"), environment: ["DD_API_KEY": "k", "PSEUDONYM_KEY": "p"])
        guard case .datadog(let datadog) = configuration.sinks.first?.kind else { throw TestSupportError("no datadog sink") }
        #expect(datadog.endpoint == "https://http-intake.logs.datadoghq.eu/api/v2/logs")
        #expect(datadog.apiKey.value == "k")
        #expect(datadog.ddtags == "env:prod,team:security")
    }

    // MARK: Against the stub intake

    @Test func eachLogCarriesDatadogsAttributesAndTheExport() async throws {
        let stub = StubDatadog(apiKey: Self.key)
        try await stub.run { stub in
            var configuration = stub.sinkConfiguration()
            configuration.ddtags = "env:test,team:sec"
            let entries = H.entries(1) + H.entries(1, outcome: .denied).map { var e = $0; e.sequence = 2; return e }
            #expect(await Self.sink(stub, configuration).deliver(SinkBatch(entries: entries, now: H.eventTime)) == .delivered)
            let request = try #require(stub.requests.first)
            #expect(request.headers["dd-api-key"] == Self.key)
            #expect(request.headers["content-type"] == "application/json")
            let logs = stub.entries
            try #require(logs.count == 2)
            #expect(logs[0][member: "ddsource"] == .string("readaudit"))
            #expect(logs[0][member: "service"] == .string("readaudit"))
            #expect(logs[0][member: "ddtags"] == .string("env:test,team:sec"))
            #expect(logs[0][member: "hostname"] == .string("n1"))
            #expect(logs.map { $0[member: "status"] } == [.string("info"), .string("warn")])
            #expect(logs[0][member: "event_id"] == .string(entries[0].event.id.rawValue))
            let export = try JSONParser.parse(EventExporter().json(entries[0], now: H.eventTime))
            #expect(logs[0][member: "readaudit"] == export)
            #expect(try JSONParser.parse(Array(try #require(logs[0][member: "message"]?.stringValue).utf8)) == export)
        }
    }

    @Test func aConfiguredHostnameReplacesTheNode() async throws {
        let stub = StubDatadog(apiKey: Self.key)
        try await stub.run { stub in
            var configuration = stub.sinkConfiguration()
            configuration.hostname = "gateway-eu"
            #expect(await Self.sink(stub, configuration).deliver(SinkBatch(entries: H.entries(1))) == .delivered)
            #expect(stub.entries.first?[member: "hostname"] == .string("gateway-eu"))
        }
    }

    @Test func recentEventsCarryTheirTimestampAndOldOnesKeepTheirTimeInEventTime() async throws {
        let stub = StubDatadog(apiKey: Self.key)
        try await stub.run { stub in
            let entry = H.entries(1)
            let sink = Self.sink(stub)
            for hours in [0, 16, 17, 40] {
                let now = AuditTime(microseconds: H.eventTime.microseconds + Int64(hours) * 3_600_000_000 + 60_000_000)
                #expect(await sink.deliver(SinkBatch(entries: entry, now: now)) == .delivered)
            }
            let logs = stub.entries
            let milliseconds = JSONValue.number(String(H.eventTime.microseconds / 1000))
            #expect(logs.map { $0[member: "timestamp"] } == [milliseconds, milliseconds, nil, nil])
            #expect(logs.allSatisfy { $0[member: "event_time"] == .string(H.eventTime.description) })
            #expect(logs.map { $0[member: "replay"] } == [.bool(false), .bool(true), .bool(true), .bool(true)])
            #expect(logs.map { $0[member: "readaudit"]?[member: "replay"] } == [nil, .bool(true), .bool(true), .bool(true)])
        }
    }

    @Test func gzipBodiesArriveIntactAndPlainOnesToo() async throws {
        let stub = StubDatadog(apiKey: Self.key)
        try await stub.run { stub in
            let entries = H.entries(30)
            #expect(await Self.sink(stub).deliver(SinkBatch(entries: entries)) == .delivered)
            #expect(await Self.sink(stub, stub.sinkConfiguration(gzip: false)).deliver(SinkBatch(entries: entries)) == .delivered)
            #expect(stub.requests.map { $0.headers["content-encoding"] } == ["gzip", nil])
            #expect(stub.eventIDs == (entries + entries).map(\.event.id.rawValue))
        }
    }

    @Test func anArrayNeverHoldsMoreThan1000EntriesOr5MB() async throws {
        let stub = StubDatadog(apiKey: Self.key)
        try await stub.run { stub in
            // The configured limits are higher than Datadog's: the sink caps them.
            let limits = SinkBatchLimits(maxEvents: 10_000, maxBytes: 50_000_000, maxDelay: .zero)
            let many = H.entries(2500)
            #expect(await Self.sink(stub, limits: limits).deliver(SinkBatch(entries: many)) == .delivered)
            #expect(stub.requests.map(\.entries) == [1000, 1000, 500])
            // 400 events of about 30 KB each (the export twice: message and attribute): 5 MB holds about 160.
            let large = H.entries(400).map { entry in
                var event = entry.event
                event.detail = ["note": String(repeating: "x", count: 15_000)]
                return JournalEntry.seal(event, sequence: entry.sequence, after: entry.previousHash)
            }
            #expect(await Self.sink(stub, limits: limits).deliver(SinkBatch(entries: large)) == .delivered)
            let bigRequests = stub.requests.dropFirst(3)
            #expect(bigRequests.count >= 3)
            #expect(bigRequests.allSatisfy { $0.bytes <= 5_000_000 && $0.status == 202 })
            #expect(stub.eventIDs == (many + large).map(\.event.id.rawValue))
        }
    }

    // MARK: What every HTTP sink does

    static let conformance = HTTPSinkConformance<DatadogIntakeRules>(
        name: "datadog", stub: { _ in StubDatadog(apiKey: key) },
        sink: { stub, options in
            sink(stub, stub.sinkConfiguration(apiKey: options.credential, requestTimeout: options.requestTimeout), exporter: options.exporter)
        },
        customer: { $0[member: "readaudit"]?[member: "customer"] })

    @Test func everyEventArrivesExactlyOnceThroughTheShipper() async throws {
        try await Self.conformance.everyEventArrivesExactlyOnceThroughTheShipper()
    }

    @Test(arguments: [StubDatadog.Behaviour.down, .rateLimited])
    func anOutageOrRateLimitIsRetriedWithNoLoss(_ failure: StubDatadog.Behaviour) async throws {
        try await Self.conformance.aFailureIsRetriedWithNoLoss(failure)
    }

    @Test func aRefusedEventIsQuarantinedAndTheEventsAroundItArrive() async throws {
        try await Self.conformance.aRefusedEventIsQuarantinedAndTheEventsAroundItArrive(index: 9)
    }

    @Test func aForbiddenKeyStopsTheShipperRecordsDegradedAndKeepsTheCursor() async throws {
        try await Self.conformance.aRefusedCredentialStopsTheShipperRecordsDegradedAndKeepsTheCursor(status: 403)
    }

    @Test func aHangingIntakeIsARetryOnceTheRequestTimesOut() async throws {
        try await Self.conformance.aHangingIntakeIsARetryOnceTheRequestTimesOut()
    }

    @Test func pseudonymisedCustomerIdsNeverShowTheRawId() async throws {
        try await Self.conformance.pseudonymisedCustomerIdsNeverShowTheRawId()
    }
}
