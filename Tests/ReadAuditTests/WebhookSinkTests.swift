import AsyncHTTPClient
import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The webhook sink against a receiver that verifies signatures: signing, headers, classification of every
/// answer, the whole path through a shipper, and a down webhook never holding back another sink.
@Suite struct WebhookSinkTests {
    typealias H = SinkTestHarness
    static let secret = "whsec-test"

    static func sink(
        _ stub: StubWebhook, _ configuration: WebhookSinkConfiguration? = nil,
        limits: SinkBatchLimits = SinkBatchLimits(maxEvents: 500, maxBytes: 1 << 20, maxDelay: .zero),
        exporter: EventExporter = EventExporter()
    ) -> WebhookSink {
        WebhookSink(
            name: "webhook", configuration: configuration ?? stub.sinkConfiguration(), limits: limits, exporter: exporter,
            client: .shared, logger: Logger(label: "test"))
    }

    // MARK: Pure parts, no sockets

    @Test(arguments: [
        (200, JSONArrayAnswer.Verdict.accepted), (204, .accepted),
        (408, .retry("the webhook answered HTTP 408")), (429, .retry("the webhook answered HTTP 429")),
        (502, .retry("the webhook answered HTTP 502")), (503, .retry("the webhook answered HTTP 503")),
        (400, .refused("the webhook answered HTTP 400")), (413, .refused("the webhook answered HTTP 413")),
        (401, .rejected("the webhook answered HTTP 401 (check the sink's key or secret)")),
        (403, .rejected("the webhook answered HTTP 403 (check the sink's key or secret)")),
        (404, .rejected("the webhook answered HTTP 404")), (422, .rejected("the webhook answered HTTP 422")),
        (301, .rejected("the webhook answered HTTP 301")),
    ])
    func everyWebhookAnswerHasOneClassification(status: Int, verdict: JSONArrayAnswer.Verdict) {
        #expect(JSONArrayAnswer(intake: "the webhook", status: status).verdict == verdict)
    }

    @Test func theSignatureIsHMACSHA256OfTimestampDotBody() {
        // Computed independently: python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec-test",
        // b"1795000000." + b"[{\"a\":1}]", hashlib.sha256).hexdigest())'
        let signature = WebhookSink.signature(secret: Secret(Self.secret), timestamp: "1795000000", body: Array(#"[{"a":1}]"#.utf8))
        #expect(signature == "sha256=57ba22cf116a4a63d688dfbaa56ebd6392ba268604af711809b285d90c995acc")
    }

    @Test func theExampleWebhookSinkLoadsOnceUncommented() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try H.writeExampleSink("webhook", to: directory.file("c.yaml"))
        let configuration = try ReadAuditConfiguration.load(
            path: directory.file("c.yaml"), environment: ["WEBHOOK_SECRET": "s", "PSEUDONYM_KEY": "p"])
        guard case .webhook(let webhook) = configuration.sinks.first?.kind else { throw TestSupportError("no webhook sink") }
        #expect(webhook.url == "https://soar.internal.example.com/hooks/readaudit")
        #expect(webhook.secret.value == "s")
        #expect(configuration.sinks.first?.batch.maxEvents == 500)
    }

    // MARK: Against the stub receiver

    @Test func eachRequestIsASignedArrayOfExportsNamingItsSequences() async throws {
        let stub = StubWebhook(secret: Self.secret, clock: ManualClock())
        try await stub.run { stub in
            let entries = H.entries(10)
            let limits = SinkBatchLimits(maxEvents: 4, maxBytes: 1 << 20, maxDelay: .zero)
            #expect(await Self.sink(stub, limits: limits).deliver(SinkBatch(entries: entries, now: H.eventTime)) == .delivered)
            #expect(stub.requests.map { $0.headers["x-readaudit-batch"] } == ["1-4", "5-8", "9-10"])
            let timestamp = String(H.eventTime.microseconds / 1_000_000)
            for request in stub.requests {
                #expect(request.status == 200)
                #expect(request.headers["content-type"] == "application/json")
                #expect(request.headers["x-readaudit-timestamp"] == timestamp)
                #expect(request.headers["x-readaudit-signature"]
                    == WebhookSink.signature(secret: Secret(Self.secret), timestamp: timestamp, body: request.body))
            }
            let exports = try entries.map { try JSONParser.parse(EventExporter().json($0, now: H.eventTime)) }
            #expect(stub.entries == exports)
        }
    }

    @Test func theSignatureVerifiesWithTheSecretAndFailsWithAnother() async throws {
        let stub = StubWebhook(secret: Self.secret)
        try await stub.run { stub in
            let entries = H.entries(3)
            let forged = await Self.sink(stub, stub.sinkConfiguration(secret: "another-secret")).deliver(SinkBatch(entries: entries))
            #expect(forged == .rejected(reason: "the webhook answered HTTP 401 (check the sink's key or secret)"))
            #expect(stub.entries.isEmpty)
            #expect(await Self.sink(stub).deliver(SinkBatch(entries: entries)) == .delivered)
            #expect(stub.eventIDs == entries.map(\.event.id.rawValue))
        }
    }

    @Test func aReceiverRefusesAnOldTimestampSoACapturedRequestCannotBeReplayed() async throws {
        let receiverClock = ManualClock()
        let stub = StubWebhook(secret: Self.secret, clock: receiverClock, tolerance: .seconds(300))
        try await stub.run { stub in
            let sink = Self.sink(stub)
            #expect(await sink.deliver(SinkBatch(entries: H.entries(2), now: receiverClock.now())) == .delivered)
            receiverClock.advance(by: .seconds(301))
            let replayed = await sink.deliver(SinkBatch(entries: H.entries(2), now: H.eventTime))
            guard case .rejected = replayed else { throw TestSupportError("expected a refusal, got \(replayed)") }
            #expect(stub.requests.map(\.status) == [200, 401])
        }
    }

    // MARK: What every HTTP sink does

    static let conformance = HTTPSinkConformance<WebhookReceiverRules>(
        name: "webhook", stub: { clock in StubWebhook(secret: secret, clock: clock) },
        sink: { stub, options in
            sink(stub, stub.sinkConfiguration(secret: options.credential, requestTimeout: options.requestTimeout), exporter: options.exporter)
        },
        customer: { $0[member: "customer"] })

    @Test func everyEventArrivesExactlyOnceThroughTheShipper() async throws {
        try await Self.conformance.everyEventArrivesExactlyOnceThroughTheShipper()
    }

    @Test(arguments: [StubWebhook.Behaviour.down, .rateLimited])
    func anOutageOrRateLimitIsRetriedWithNoLoss(_ failure: StubWebhook.Behaviour) async throws {
        try await Self.conformance.aFailureIsRetriedWithNoLoss(failure)
    }

    @Test func aRefusedEventIsQuarantinedAndTheEventsAroundItArrive() async throws {
        try await Self.conformance.aRefusedEventIsQuarantinedAndTheEventsAroundItArrive(index: 12)
    }

    @Test func aWrongSecretStopsTheShipperRecordsDegradedAndKeepsTheCursor() async throws {
        try await Self.conformance.aRefusedCredentialStopsTheShipperRecordsDegradedAndKeepsTheCursor(status: 401)
    }

    @Test func aHangingReceiverIsARetryOnceTheRequestTimesOut() async throws {
        try await Self.conformance.aHangingIntakeIsARetryOnceTheRequestTimesOut()
    }

    @Test func pseudonymisedCustomerIdsNeverShowTheRawId() async throws {
        try await Self.conformance.pseudonymisedCustomerIdsNeverShowTheRawId()
    }

    // MARK: Isolation

    @Test func aDownWebhookNeverHoldsBackDatadogAndGetsEverythingWhenItReturns() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try H.store(in: directory, events: 30)
        let clock = ManualClock()
        let webhook = StubWebhook(secret: Self.secret, clock: clock)
        webhook.behaviour = .down
        let datadog = StubDatadog(apiKey: DatadogSinkTests.key)
        try await datadog.run { datadog in
            try await webhook.run { webhook in
                let sinks: [any AuditSink] = [DatadogSinkTests.sink(datadog), Self.sink(webhook)]
                try await H.withShippers(sinks, store: store, clock: clock) { journal in
                    try await H.shipped(store, sink: "datadog")
                    for index in 30..<40 { _ = try await journal.append(JournalTests.draft(index)) }
                    try await H.shipped(store, sink: "datadog")
                    // The webhook was tried all along, took nothing, and its cursor never moved.
                    try await H.eventually("the webhook was tried") { webhook.requests.count >= 2 }
                    #expect(webhook.entries.isEmpty)
                    #expect(try await store.cursor(sink: "webhook") == nil)
                    webhook.behaviour = .healthy
                    try await H.shipped(store, sink: "webhook")
                }
                let journalIDs = try await H.eventIDs(store)
                #expect(journalIDs.count == 40)
                #expect(datadog.eventIDs == journalIDs)
                #expect(webhook.eventIDs == journalIDs)
            }
        }
    }
}
