import AsyncHTTPClient
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

@Suite struct DetectorTests {
    static let secret = "soar-shared-secret"

    /// A journal holding `drafts`, with a detector (and responders) running over it until `body` returns.
    struct Setup {
        let directory: TemporaryDirectory
        let store: JournalStore
        let clock: ManualClock
        let denyList = InMemoryDenyList()
        let revoker = RecordingTokenRevoker()

        init(clock: ManualClock) throws {
            directory = try TemporaryDirectory()
            store = try JournalStore(path: directory.file("journal.sqlite"))
            self.clock = clock
        }

        /// Runs a fresh detector until it has read everything in the journal, including what it appended.
        func detect(_ configuration: DetectionConfiguration, responses: ResponseConfiguration, soar: WebhookSinkConfiguration?) async throws {
            let logger = Logger(label: "test")
            let journal = try await SQLiteJournal(store: store, logger: logger)
            var responders: [any Responder] = [
                DenyListResponder(denyList: denyList, clock: clock), TokenRevocationResponder(revoker: revoker),
            ]
            let client = HTTPClientService(client: HTTPClient(eventLoopGroupProvider: .singleton))
            if let soar {
                responders.append(SOARWebhookResponder(
                    sink: WebhookSink(
                        name: "soar", configuration: soar, limits: .init(maxEvents: 1, maxBytes: 1 << 20, maxDelay: .zero),
                        exporter: EventExporter(), client: client.client, logger: logger),
                    clock: clock))
            }
            let detector = Detector(
                journal: journal, store: store, configuration: configuration, responses: responses, responders: responders,
                node: "test", clock: clock, pollInterval: .milliseconds(10), logger: logger)
            try await runWhileServing([journal, client, detector]) {
                for _ in 0..<1000 {
                    let head = try await store.headSequence()
                    if try await store.cursor(sink: Detector.cursorName) == head { return }
                    try await Task.sleep(for: .milliseconds(10))
                }
                throw TestSupportError("the detector did not catch up")
            }
        }

        func alerts() async throws -> [JournalEntry] {
            try await store.entries(after: 0, limit: 1_000_000).filter { $0.event.action.rawValue.hasPrefix("alert.") }
        }

        func responses() async throws -> [JournalEntry] {
            try await store.entries(after: 0, limit: 1_000_000).filter { $0.event.action.rawValue.hasPrefix("response.") }
        }
    }

    static var velocityOnly: DetectionConfiguration {
        var c = DetectionConfiguration()
        c.velocity.threshold = 200
        c.velocity.windowSeconds = 600
        c.velocity.baselineMultiple = 0
        return c
    }

    static var respondToVelocity: ResponseConfiguration {
        var r = ResponseConfiguration()
        r.rules["velocity"] = ["block", "revoke", "soar"]
        return r
    }

    /// 200 distinct customers read by one agent in 400 s of event time.
    static func scrape(_ f: EntryFactory, agent: String = "agent-1", from start: Double = 0, count: Int = 200) -> [AuditEventDraft] {
        (0..<count).map { f.readDraft(agent: agent, customer: "c-\(Int(start))-\($0)", at: start + Double($0) * 2) }
    }

    @Test func twoHundredCustomersInTenMinutesRaiseOneAlertBlockRevokeAndASignedSOARCall() async throws {
        let f = EntryFactory()
        let setup = try Setup(clock: ManualClock(f.time(400)))
        defer { setup.directory.remove() }
        _ = try setup.store.commit(Self.scrape(f))
        let soar = StubWebhook(secret: Self.secret, clock: setup.clock)
        try await soar.run { stub in
            try await setup.detect(Self.velocityOnly, responses: Self.respondToVelocity, soar: stub.sinkConfiguration())
        }
        let alerts = try await setup.alerts()
        #expect(alerts.count == 1)
        #expect(alerts.first?.event.action.rawValue == "alert.velocity")
        #expect(alerts.first?.event.agent == "agent-1")
        #expect(alerts.first?.event.detail["count"] == "200")
        #expect(alerts.first?.event.detail["triggerSeq"] == "200")
        #expect(setup.denyList.isBlocked("agent-1"))
        #expect(setup.revoker.calls == ["agent-1"])
        #expect(soar.requests.map(\.status) == [200])
        #expect(soar.eventIDs == alerts.map(\.event.id.rawValue))
        let responses = try await setup.responses()
        #expect(Set(responses.map(\.event.action.rawValue)) == ["response.block", "response.revoke", "response.soar"])
        #expect(responses.allSatisfy { $0.event.outcome == .ok })
    }

    @Test func replayingTheSameJournalThroughAFreshDetectorGivesTheSameAlerts() async throws {
        let f = EntryFactory()
        var drafts = Self.scrape(f) + Self.scrape(f, agent: "agent-2", from: 100)
        drafts += (0..<30).map { f.readDraft(agent: "agent-3", customer: "x", at: 50 + Double($0), outcome: .denied, code: "forbidden") }
        drafts.sort { $0.time < $1.time }
        var contents: [[String]] = []
        for _ in 0..<2 {
            let setup = try Setup(clock: ManualClock(f.time(900)))
            defer { setup.directory.remove() }
            _ = try setup.store.commit(drafts)
            try await setup.detect(DetectionConfiguration(), responses: ResponseConfiguration(), soar: nil)
            contents.append(try await setup.alerts().map { entry in
                let e = entry.event
                return "\(e.action) \(e.agent ?? "-") \(e.customer ?? "-") \(e.detail.sorted { $0.key < $1.key })"
            })
        }
        #expect(contents[0].count == 3)
        #expect(contents[0] == contents[1])
    }

    @Test func aRestartNeitherRepeatsAlertsNorResponses() async throws {
        let f = EntryFactory()
        let setup = try Setup(clock: ManualClock(f.time(500)))
        defer { setup.directory.remove() }
        _ = try setup.store.commit(Self.scrape(f))
        try await setup.detect(Self.velocityOnly, responses: Self.respondToVelocity, soar: nil)
        // More reads within the same window after a normal restart: the rebuilt window state holds the cooldown.
        _ = try setup.store.commit(Self.scrape(f, from: 450, count: 20))
        try await setup.detect(Self.velocityOnly, responses: Self.respondToVelocity, soar: nil)
        // A crash before the cursor was saved: the alert already in the journal is not raised again.
        try await setup.store.saveCursor(sink: Detector.cursorName, sequence: 199, at: setup.clock.now())
        try await setup.detect(Self.velocityOnly, responses: Self.respondToVelocity, soar: nil)
        #expect(try await setup.alerts().count == 1)
        #expect(setup.revoker.calls == ["agent-1"])
    }

    @Test func aFailedResponseIsAuditedAsFailed() async throws {
        let f = EntryFactory()
        let setup = try Setup(clock: ManualClock(f.time(400)))
        defer { setup.directory.remove() }
        setup.revoker.failing = true
        _ = try setup.store.commit(Self.scrape(f))
        var responses = ResponseConfiguration()
        responses.rules["velocity"] = ["revoke", "soar"]
        try await setup.detect(Self.velocityOnly, responses: responses, soar: nil)
        let recorded = try await setup.responses().map { "\($0.event.action) \($0.event.outcome) \($0.event.detail["reason"] ?? "")" }
        #expect(recorded == ["response.revoke failed error", "response.soar failed not_configured"])
    }
}

@Suite struct ResponsePlannerTests {
    static let now = AuditTime(microseconds: 1_795_000_000_000_000)

    @Test func oneIncidentGetsEachResponseOnce() {
        var configuration = ResponseConfiguration()
        configuration.rules["velocity"] = ["block", "soar"]
        var planner = ResponsePlanner(configuration)
        let first = planner.plan(rule: "velocity", incident: "i-1", triggerTime: Self.now, now: Self.now)
        let again = planner.plan(rule: "velocity", incident: "i-1", triggerTime: Self.now, now: Self.now)
        #expect(first == [.perform(kind: "block"), .perform(kind: "soar")])
        #expect(again == [.duplicate(kind: "block"), .duplicate(kind: "soar")])
        #expect(planner.plan(rule: "watch_list", incident: "i-2", triggerTime: Self.now, now: Self.now).isEmpty)
    }

    @Test func responsesBeyondTheRateLimitAreRefusedUntilTheWindowPasses() {
        var configuration = ResponseConfiguration()
        configuration.rules["velocity"] = ["revoke"]
        configuration.rateLimits["revoke"] = .init(max: 2, perSeconds: 60)
        var planner = ResponsePlanner(configuration)
        let decisions = (0..<3).flatMap { planner.plan(rule: "velocity", incident: "i-\($0)", triggerTime: Self.now, now: Self.now) }
        #expect(decisions == [.perform(kind: "revoke"), .perform(kind: "revoke"), .refuse(kind: "revoke", reason: "rate_limited")])
        let later = AuditTime(microseconds: Self.now.microseconds + 61_000_000)
        #expect(planner.plan(rule: "velocity", incident: "i-9", triggerTime: later, now: later) == [.perform(kind: "revoke")])
    }

    @Test func staleAlertsGetNoResponse() {
        var configuration = ResponseConfiguration()
        configuration.rules["velocity"] = ["block"]
        var planner = ResponsePlanner(configuration)
        let old = AuditTime(microseconds: Self.now.microseconds - 2 * 3_600_000_000)
        #expect(planner.plan(rule: "velocity", incident: "i", triggerTime: old, now: Self.now) == [.refuse(kind: "block", reason: "stale")])
    }
}
