import ReadAudit
import Testing

/// The shipper's decisions, without sockets, clocks or sleeps.
@Suite struct ShipperStateMachineTests {
    static let t0 = AuditTime(microseconds: 1_795_000_000_000_000)
    static func at(_ seconds: Int64) -> AuditTime { AuditTime(microseconds: t0.microseconds + seconds * 1_000_000) }
    static let batch: [(sequence: Int64, eventId: String)] = (11...15).map { (Int64($0), "e\($0)") }

    @Test func deliveryMovesTheCursorToTheLastEntry() {
        var machine = ShipperStateMachine(cursor: 10, degradedAfter: .seconds(60))
        #expect(machine.handle(.delivered, batch: Self.batch, now: Self.t0, jitter: 0.5) == [.commitCursor(15)])
        #expect(machine.cursor == 15 && machine.health == .healthy)
    }

    @Test func retriesBackOffAndDegradeAfterTheThreshold() {
        var machine = ShipperStateMachine(
            cursor: 10, degradedAfter: .seconds(60), backoff: RetryBackoff(initial: .seconds(1), maximum: .seconds(8)))
        #expect(machine.handle(.retry(reason: "503"), batch: Self.batch, now: Self.t0, jitter: 0.5) == [.backOff(.seconds(1))])
        #expect(machine.health == .retrying && machine.isRetrying)
        #expect(machine.handle(.retry(reason: "503"), batch: Self.batch, now: Self.at(59), jitter: 0.5) == [.backOff(.seconds(2))])
        #expect(machine.handle(.retry(reason: "503"), batch: Self.batch, now: Self.at(60), jitter: 0.5)
            == [.raiseDegraded(reason: "503"), .backOff(.seconds(4))])
        // Degraded is raised once, not on every failure.
        #expect(machine.handle(.retry(reason: "503"), batch: Self.batch, now: Self.at(90), jitter: 0.5) == [.backOff(.seconds(8))])
        #expect(machine.handle(.delivered, batch: Self.batch, now: Self.at(95), jitter: 0.5)
            == [.commitCursor(15), .raiseRecovered(failingSince: Self.t0)])
        #expect(machine.health == .healthy && !machine.isRetrying)
        // The back-off starts afresh after a success.
        #expect(machine.handle(.retry(reason: "503"), batch: Self.batch, now: Self.at(96), jitter: 0.5) == [.backOff(.seconds(1))])
    }

    @Test func aShortOutageRecoversWithoutAnAlert() {
        var machine = ShipperStateMachine(cursor: 10, degradedAfter: .seconds(60))
        _ = machine.handle(.retry(reason: "timeout"), batch: Self.batch, now: Self.t0, jitter: 0.5)
        #expect(machine.handle(.delivered, batch: Self.batch, now: Self.at(5), jitter: 0.5) == [.commitCursor(15)])
    }

    @Test func aQuarantineSkipsTheBadEntryAndKeepsTheRestForTheNextBatch() {
        var machine = ShipperStateMachine(cursor: 10, degradedAfter: .seconds(60))
        let actions = machine.handle(.partial(accepted: 2, quarantined: "code 6"), batch: Self.batch, now: Self.t0, jitter: 0.5)
        #expect(actions == [.quarantine(sequence: 13, eventId: "e13", reason: "code 6"), .commitCursor(13)])
        #expect(machine.cursor == 13)
    }

    @Test func aPartialDeliveryWithoutQuarantineIsProgress() {
        var machine = ShipperStateMachine(cursor: 10, degradedAfter: .seconds(60))
        #expect(machine.handle(.partial(accepted: 3, quarantined: nil), batch: Self.batch, now: Self.t0, jitter: 0.5) == [.commitCursor(13)])
        #expect(machine.handle(.partial(accepted: 0, quarantined: nil), batch: Self.batch, now: Self.t0, jitter: 0.5).last
            == .backOff(.milliseconds(100)))
    }

    @Test func refusingEveryEventIsARefusalOfTheSinkNotOfTheEvents() {
        var machine = ShipperStateMachine(cursor: 10, degradedAfter: .seconds(60), maxQuarantinesInARow: 3)
        for expected in Int64(11)...13 {
            let actions = machine.handle(.partial(accepted: 0, quarantined: "400"), batch: [(expected, "e\(expected)")], now: Self.t0, jitter: 0.5)
            #expect(actions.first == .quarantine(sequence: expected, eventId: "e\(expected)", reason: "400"))
        }
        let fourth = machine.handle(.partial(accepted: 0, quarantined: "400"), batch: [(14, "e14")], now: Self.t0, jitter: 0.5)
        #expect(fourth.last == .stop(reason: "the sink refused 4 events in a row, the last with: 400"))
        #expect(machine.health == .stopped && machine.cursor == 13)
    }

    @Test func anAcceptedEventResetsTheQuarantineCount() {
        var machine = ShipperStateMachine(cursor: 10, degradedAfter: .seconds(60), maxQuarantinesInARow: 1)
        _ = machine.handle(.partial(accepted: 0, quarantined: "400"), batch: [(11, "e11")], now: Self.t0, jitter: 0.5)
        _ = machine.handle(.delivered, batch: [(12, "e12")], now: Self.t0, jitter: 0.5)
        let actions = machine.handle(.partial(accepted: 0, quarantined: "400"), batch: [(13, "e13")], now: Self.t0, jitter: 0.5)
        #expect(actions.first == .quarantine(sequence: 13, eventId: "e13", reason: "400"))
        #expect(machine.health == .healthy)
    }

    @Test func aRefusalStopsTheSinkOnceAndForAll() {
        var machine = ShipperStateMachine(cursor: 10, degradedAfter: .seconds(60))
        #expect(machine.handle(.rejected(reason: "403"), batch: Self.batch, now: Self.t0, jitter: 0.5)
            == [.raiseDegraded(reason: "403"), .stop(reason: "403")])
        #expect(machine.health == .stopped && machine.cursor == 10)
        #expect(machine.handle(.delivered, batch: Self.batch, now: Self.at(1), jitter: 0.5).isEmpty)
    }
}
