import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Events carry the wall-clock time and a sequence number; a step of the system clock is itself an event
/// (PCI DSS 10.6) and never breaks the order or the chain.
@Suite struct ClockJumpTests {
    struct Rig {
        let wall = ManualClock()
        let monotonic = ManualMonotonicClock()
        let detector: ClockJumpDetector
        init() { detector = ClockJumpDetector(wall: wall, monotonic: monotonic, tolerance: .seconds(1), node: "clock-test") }

        /// Both clocks advance together, as they do when nobody touches the system clock.
        func tick(_ duration: Duration = .seconds(1)) {
            wall.advance(by: duration)
            monotonic.advance(by: duration)
        }
    }

    static func draft(_ rig: Rig, _ index: Int) -> AuditEventDraft {
        let time = rig.wall.now()
        return AuditEventDraft(
            id: .make(at: time), time: time, node: "clock-test", action: .customerRead, outcome: .served, customer: "C-\(index)")
    }

    /// Runs a journal with `rig`'s detector, appends through `body`, and returns every entry.
    static func withJournal(_ rig: Rig, _ body: (SQLiteJournal) async throws -> Void) async throws -> (entries: [JournalEntry], intact: Bool) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        let journal = try await SQLiteJournal(store: store, logger: Logger(label: "clock-test"), clockWatch: rig.detector)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await journal.run() }
            do {
                try await body(journal)
            } catch {
                journal.close()
                throw error
            }
            journal.close()
            try await group.waitForAll()
        }
        return (try await store.entries(after: 0, limit: 1000), try await JournalVerification.verify(store).isIntact)
    }

    @Test func aBackwardsStepOfAnHourIsRecordedOnceAndTheSequenceAndChainStayIntact() async throws {
        let rig = Rig()
        let before = rig.wall.now()
        let (entries, intact) = try await Self.withJournal(rig) { journal in
            for index in 0..<3 {
                rig.tick()
                _ = try await journal.append(Self.draft(rig, index))
            }
            rig.wall.set(AuditTime(microseconds: rig.wall.now().microseconds - 3_600_000_000))
            for index in 3..<6 {
                rig.tick()
                _ = try await journal.append(Self.draft(rig, index))
            }
        }
        #expect(intact)
        #expect(entries.map(\.sequence) == Array(1...7))
        let jumps = entries.filter { entry in entry.event.action == .clockJump }
        #expect(jumps.count == 1)
        let jump = try #require(jumps.first)
        #expect(jump.event.detail["direction"] == "backward")
        #expect(jump.event.detail["deltaMs"] == "-3600000")
        #expect(jump.event.detail["expected"] == AuditTime(microseconds: before.microseconds + 4_000_000).description)
        // The jump is sealed just before the first event stamped with the stepped-back clock.
        #expect(entries[Int(jump.sequence)].event.customer == "C-3")
        // Wall-clock times go back; the order is the sequence, which does not.
        #expect(entries.last!.event.time < entries[2].event.time)
    }

    @Test func aForwardStepIsRecordedAndDriftWithinTheToleranceIsNot() async throws {
        let rig = Rig()
        let (entries, intact) = try await Self.withJournal(rig) { journal in
            rig.tick()
            _ = try await journal.append(Self.draft(rig, 0))
            // Half a second of drift over a minute: within the tolerance.
            rig.monotonic.advance(by: .seconds(60))
            rig.wall.advance(by: .milliseconds(60_500))
            _ = try await journal.append(Self.draft(rig, 1))
            rig.wall.advance(by: .seconds(7200))
            _ = try await journal.append(Self.draft(rig, 2))
        }
        #expect(intact)
        let jumps = entries.filter { entry in entry.event.action == .clockJump }
        #expect(jumps.map { entry in entry.event.detail["direction"] } == ["forward"])
        #expect(jumps.first?.event.detail["deltaMs"] == "7200000")
    }

    @Test func theDetectorAllowsNTPSlewingOverLongIntervals() {
        let rig = Rig()
        _ = rig.detector.check()
        // 3 s of drift over 2 hours (about 400 ppm) is slewing, not a step.
        rig.monotonic.advance(by: .seconds(7200))
        rig.wall.advance(by: .seconds(7203))
        #expect(rig.detector.check() == nil)
    }
}
