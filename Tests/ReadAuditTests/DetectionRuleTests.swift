@testable import ReadAudit
import ReadAuditTestSupport
import Testing

@Suite struct DetectionRuleTests {
    func velocity(threshold: Int = 200, multiple: Double = 0) -> VelocityRule {
        var s = VelocityRule.Settings()
        s.threshold = threshold
        s.baselineMultiple = multiple
        return VelocityRule(s)
    }

    @Test func velocityFiresAtTheThresholdOfDistinctCustomersOnce() {
        var f = EntryFactory()
        let reads = (0..<250).map { f.read(customer: "c-\($0)", at: Double($0) * 2) }
        var rule = velocity()
        let findings = rule.findings(reads)
        #expect(findings.count == 1)
        #expect(findings.first?.count == 200)
        #expect(findings.first?.triggerSequence == 200)
        #expect(findings.first?.agent == "agent-1")
    }

    @Test func velocityDoesNotFireBelowTheThresholdOrForRepeatsOfOneCustomer() {
        var f = EntryFactory()
        var reads = (0..<199).map { f.read(customer: "c-\($0)", at: Double($0)) }
        reads += (0..<100).map { f.read(customer: "c-0", at: 200 + Double($0)) }
        var rule = velocity()
        #expect(rule.findings(reads).isEmpty)
    }

    @Test func velocityCountsOnlyTheSlidingWindow() {
        var f = EntryFactory()
        // 150 customers, then 150 more eleven minutes later: never 200 within ten minutes.
        let reads = (0..<150).map { f.read(customer: "a-\($0)", at: Double($0)) }
            + (0..<150).map { f.read(customer: "b-\($0)", at: 800 + Double($0)) }
        var rule = velocity()
        #expect(rule.findings(reads).isEmpty)
    }

    @Test func velocityFiresOnAMultipleOfTheAgentsOwnBaseline() {
        var f = EntryFactory()
        var reads: [JournalEntry] = []
        // Three quiet windows of 5 reads, then 60 distinct customers in one window: 60 ≥ max(50, 10 × 5).
        for window in 0..<3 { reads += (0..<5).map { f.read(customer: "q\(window)-\($0)", at: Double(window * 600 + $0)) } }
        reads += (0..<60).map { f.read(customer: "burst-\($0)", at: 1800 + Double($0)) }
        var rule = velocity(multiple: 10)
        let findings = rule.findings(reads)
        #expect(findings.count == 1)
        #expect(findings.first?.threshold == 50)
        #expect(findings.first?.extra["thresholdKind"] == "baseline")
    }

    @Test func snoopingTurnsAFailedInteractionCheckIntoOneFindingPerIncident() {
        var f = EntryFactory()
        let reads = [
            f.read(customer: "c-1", at: 0, detail: ["interactionVerified": "no"]),
            f.read(customer: "c-2", at: 5, detail: ["interactionVerified": "no"]),
            f.read(customer: "c-3", at: 10, detail: ["interactionVerified": "yes"]),
        ]
        var rule = SnoopingRule(.init())
        let findings = rule.findings(reads)
        #expect(findings.count == 1)
        #expect(findings.first?.extra["verification"] == "no")
    }

    @Test func snoopingReportsUnknownReadsLaterShownUnrelatedAndClearsVerifiedOnes() {
        var f = EntryFactory()
        let t3 = f.time(3)
        let reads = [
            f.read(customer: "c-1", interaction: "ix-a", at: 0, detail: ["interactionVerified": "unknown"]),
            f.read(customer: "c-2", interaction: "ix-b", at: 1, detail: ["interactionVerified": "unknown"]),
            f.read(customer: "c-3", interaction: "ix-b", at: 2, detail: ["interactionVerified": "yes"]),
            f.entry(AuditEventDraft(
                id: .make(at: t3), time: t3, node: "gw", action: AuditAction(rawValue: "alert.interaction_not_verified"),
                outcome: .failed, agent: "agent-1", interaction: "ix-a")),
        ]
        var rule = SnoopingRule(.init())
        let findings = rule.findings(reads)
        #expect(findings.map(\.extra["verification"]) == ["no", "unknown_then_no"])
        #expect(findings.last?.triggerSequence == 1)
    }

    @Test func watchListFiresOncePerAgentAndCustomer() {
        var settings = WatchListRule.Settings()
        settings.customers = ["vip-1"]
        var f = EntryFactory()
        var rule = WatchListRule(settings)
        let findings = rule.findings([
            f.read(customer: "c-1", at: 0), f.read(customer: "vip-1", at: 1), f.read(customer: "vip-1", at: 2),
            f.read(agent: "agent-2", customer: "vip-1", at: 3),
        ])
        #expect(findings.map(\.agent) == ["agent-1", "agent-2"])
    }

    @Test func afterHoursUsesTheTeamsTimeZoneAndHours() {
        var settings = AfterHoursRule.Settings()
        // Weekdays 08:00-18:00 in Berlin (UTC+1 in winter).
        settings.teams["eu"] = .init(timeZone: "Europe/Berlin", hours: Dictionary(uniqueKeysWithValues: (0..<5).map { ($0, [480..<1080]) }))
        settings.agents["agent-1"] = "eu"
        // 2026-11-18 is a Wednesday: 07:30Z is 08:30 in Berlin (in hours); 17:30Z is 18:30 (after hours).
        var f = EntryFactory(origin: AuditTime(parsing: "2026-11-18T07:30:00Z")!)
        var rule = AfterHoursRule(settings)
        let findings = rule.findings([
            f.read(at: 0), f.read(at: 10 * 3600), f.read(at: 10 * 3600 + 60), f.read(agent: "unscheduled", at: 10 * 3600),
        ])
        #expect(findings.count == 1)
        #expect(findings.first?.triggerSequence == 2)
        #expect(findings.first?.extra["localWeekday"] == "wed")
        #expect(findings.first?.extra["localMinute"] == "1110")
    }

    @Test func sharedCustomerFiresAtThresholdDistinctInteractionsByDifferentAgents() {
        var settings = SharedCustomerRule.Settings()
        settings.threshold = 3
        var f = EntryFactory()
        var rule = SharedCustomerRule(settings)
        let oneAgent = (0..<5).map { f.read(customer: "c-1", interaction: "ix-\($0)", at: Double($0)) }
        #expect(rule.findings(oneAgent).isEmpty)
        let findings = rule.findings([
            f.read(agent: "agent-2", customer: "c-2", interaction: "a", at: 10), f.read(customer: "c-2", interaction: "b", at: 11),
            f.read(agent: "agent-3", customer: "c-2", interaction: "c", at: 12), f.read(customer: "c-2", interaction: "d", at: 13),
        ])
        #expect(findings.map(\.triggerSequence) == [8])
    }

    /// The rule keeps only the newest `threshold` interactions and two agents per customer, so a flood of new
    /// interaction ids costs no memory, and the decision is the same: old interactions leave the window,
    /// repeats of one interaction count once, and a second agent makes the customer shared.
    @Test func sharedCustomerDecidesOnTheNewestInteractionsOnly() {
        var settings = SharedCustomerRule.Settings()
        settings.threshold = 3
        settings.windowSeconds = 100
        var f = EntryFactory()
        var rule = SharedCustomerRule(settings)
        // 10,000 distinct interactions by one agent: never shared.
        let flood = (0..<10_000).map { f.read(customer: "c-1", interaction: "ix-\($0)", at: Double($0) / 1000) }
        #expect(rule.findings(flood).isEmpty)
        // Long after, two interactions by a second agent and a repeat: only 2 distinct in the window.
        let later = [
            f.read(agent: "agent-2", customer: "c-1", interaction: "x", at: 500), f.read(customer: "c-1", interaction: "y", at: 501),
            f.read(customer: "c-1", interaction: "y", at: 502),
        ]
        #expect(rule.findings(later).isEmpty)
        let third = rule.findings([f.read(customer: "c-1", interaction: "z", at: 503)])
        #expect(third.map(\.count) == [3])
        #expect(third.first?.extra["distinctAgents"] == "2")
    }

    @Test func deniedBurstFiresPerAgentOrCredentialOnce() {
        var settings = DeniedBurstRule.Settings()
        settings.threshold = 3
        var f = EntryFactory()
        var rule = DeniedBurstRule(settings)
        let findings = rule.findings([
            f.read(at: 0, outcome: .denied), f.read(at: 1, outcome: .invalid), f.read(at: 2, outcome: .served),
            f.read(at: 3, outcome: .denied), f.read(at: 4, outcome: .denied),
            f.read(agent: nil, at: 5, outcome: .denied, credential: "leaky"), f.read(agent: nil, at: 6, outcome: .denied, credential: "leaky"),
            f.read(agent: nil, at: 7, outcome: .denied, credential: "leaky"),
        ])
        #expect(findings.map(\.triggerSequence) == [4, 8])
        #expect(findings.last?.credential == "leaky")
    }

    /// A flood (a scraping credential, a script hammering with refused requests) must not grow the rules'
    /// state with every event: what a window holds is bounded by the threshold, not by the traffic.
    @Test func aFloodWithinOneWindowKeepsTheRulesStateBoundedByTheirThresholds() {
        var f = EntryFactory()
        var velocity = velocity(threshold: 200)
        var denied = DeniedBurstRule(DeniedBurstRule.Settings())
        var velocityFindings: [Finding] = []
        var deniedFindings: [Finding] = []
        // 20,000 reads of distinct customers and 20,000 refused attempts in 100 s, well inside both windows.
        for index in 0..<20_000 {
            velocityFindings += velocity.observe(f.read(customer: "c-\(index)", at: Double(index) / 200))
            deniedFindings += denied.observe(f.read(customer: "c-\(index)", at: Double(index) / 200, outcome: .denied))
        }
        #expect(velocity.trackedObservations <= 200, "velocity holds \(velocity.trackedObservations) observations")
        #expect(denied.trackedObservations <= 20, "denied_burst holds \(denied.trackedObservations) observations")
        // Still exactly one finding each, at the threshold.
        #expect(velocityFindings.map(\.count) == [200])
        #expect(deniedFindings.map(\.count) == [20])
    }

    @Test func engineIgnoresTheDetectorsOwnEventsAndNeverRepeatsAnIncident() {
        var f = EntryFactory()
        var velocity = VelocityRule.Settings()
        velocity.threshold = 2
        velocity.baselineMultiple = 0
        var config = DetectionConfiguration()
        config.velocity = velocity
        var engine = DetectionEngine(config)
        let first = [f.read(customer: "a", at: 0), f.read(customer: "b", at: 1)].flatMap { engine.observe($0) }
        #expect(first.count == 1)
        // The alert itself names the agent and a customer: it must not count as a read.
        let t2 = f.time(2)
        let alert = f.entry(first[0].alertDraft(id: .make(at: t2), time: t2, node: "n"))
        #expect(engine.observe(alert).isEmpty)
        // A fresh engine that has seen the alert does not raise its incident again.
        var fresh = DetectionEngine(config)
        fresh.remember(first[0].incident, at: t2.microseconds)
        var g = EntryFactory()
        #expect([g.read(customer: "a", at: 0), g.read(customer: "b", at: 1)].flatMap { fresh.observe($0) }.isEmpty)
    }

    @Test func replayingTheSameEntriesGivesTheSameFindings() {
        var f = EntryFactory()
        var entries: [JournalEntry] = []
        for i in 0..<3000 {
            entries.append(f.read(
                agent: "agent-\(i % 7)", customer: "c-\(i % 400)", interaction: "ix-\(i % 97)", at: Double(i) * 0.5,
                outcome: i % 50 == 0 ? .denied : .served, detail: ["interactionVerified": i % 300 == 0 ? "no" : "yes"]))
        }
        var config = DetectionConfiguration()
        config.velocity.threshold = 150
        config.watchList.customers = ["c-7"]
        let run = { () -> [Finding] in
            var engine = DetectionEngine(config)
            return entries.flatMap { engine.observe($0) }
        }
        let first = run()
        #expect(!first.isEmpty)
        #expect(first == run())
    }
}
