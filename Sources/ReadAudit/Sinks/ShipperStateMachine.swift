/// The shipper's decisions, as a pure state machine: a delivery result goes in, actions come out.
/// The `Shipper` service performs them (PostgresNIO's CloseStateMachine is the model).
public struct ShipperStateMachine: Sendable {
    /// The sink's condition, as `/readyz` and the metrics report it.
    public enum Health: String, Sendable, Equatable {
        /// Delivering.
        case healthy
        /// Failing, for less than the degraded threshold.
        case retrying
        /// Failing for longer than the threshold; `audit.sink_degraded` was raised.
        case degraded
        /// Refused by the sink (credentials, configuration): no retries until an operator acts.
        case stopped
    }

    /// What the shell must do, in order.
    public enum Action: Sendable, Equatable {
        /// Durably record that the sink holds everything up to this sequence.
        case commitCursor(Int64)
        /// Record `audit.sink_rejected` for this entry (alert) and skip it.
        case quarantine(sequence: Int64, eventId: String, reason: String)
        /// Record `audit.sink_degraded` (alert, PCI DSS 10.7.2).
        case raiseDegraded(reason: String)
        /// Record `audit.sink_recovered`.
        case raiseRecovered(failingSince: AuditTime)
        /// Wait this long, then send the same entries again.
        case backOff(Duration)
        /// Stop delivering to this sink; the backlog stays in the journal.
        case stop(reason: String)
    }

    public private(set) var cursor: Int64
    public private(set) var health: Health = .healthy
    /// When the current run of failures began.
    public private(set) var failingSince: AuditTime?
    private var backoff: RetryBackoff
    private let degradedAfter: Duration
    /// Quarantines since the sink last accepted an event.
    private var quarantinesInARow = 0
    /// After this many refused events in a row, the refusals are not about content: the sink refuses
    /// everything (a bad tag, a proxy), and quarantining on would empty the SIEM's copy event by event.
    public let maxQuarantinesInARow: Int

    public init(cursor: Int64, degradedAfter: Duration, backoff: RetryBackoff = RetryBackoff(), maxQuarantinesInARow: Int = 10) {
        self.cursor = cursor
        self.degradedAfter = degradedAfter
        self.backoff = backoff
        self.maxQuarantinesInARow = maxQuarantinesInARow
    }

    /// True while the last attempt failed, so the next batch is a re-send.
    public var isRetrying: Bool { failingSince != nil }

    /// The sink answered `result` for `batch` (sequence and event id of each entry, in order) at `now`.
    /// `jitter` in 0...1 spreads the back-off.
    public mutating func handle(
        _ result: DeliveryResult, batch: [(sequence: Int64, eventId: String)], now: AuditTime, jitter: Double
    ) -> [Action] {
        guard health != .stopped, !batch.isEmpty else { return [] }
        switch result {
        case .delivered:
            quarantinesInARow = 0
            return progress(to: batch.last!.sequence, now: now)
        case .partial(let accepted, let quarantined):
            let accepted = min(max(accepted, 0), batch.count)
            var actions: [Action] = []
            if let reason = quarantined, accepted < batch.count {
                quarantinesInARow = accepted > 0 ? 1 : quarantinesInARow + 1
                if quarantinesInARow > maxQuarantinesInARow {
                    let refusal = "the sink refused \(quarantinesInARow) events in a row, the last with: \(reason)"
                    return (accepted > 0 ? progress(to: batch[accepted - 1].sequence, now: now) : [])
                        + handle(.rejected(reason: refusal), batch: batch, now: now, jitter: jitter)
                }
                // The entries before it are in; the bad one is recorded and skipped; the rest go again.
                let bad = batch[accepted]
                actions.append(.quarantine(sequence: bad.sequence, eventId: bad.eventId, reason: reason))
                actions += progress(to: bad.sequence, now: now)
                return actions
            }
            if accepted > 0 {
                quarantinesInARow = 0
                return progress(to: batch[accepted - 1].sequence, now: now)
            }
            return failure(reason: "the sink accepted none of the batch", now: now, jitter: jitter)
        case .retry(let reason):
            return failure(reason: reason, now: now, jitter: jitter)
        case .rejected(let reason):
            var actions: [Action] = []
            if health != .degraded { actions.append(.raiseDegraded(reason: reason)) }
            health = .stopped
            failingSince = failingSince ?? now
            actions.append(.stop(reason: reason))
            return actions
        }
    }

    private mutating func progress(to sequence: Int64, now: AuditTime) -> [Action] {
        var actions: [Action] = []
        if sequence > cursor {
            cursor = sequence
            actions.append(.commitCursor(sequence))
        }
        if health == .degraded, let since = failingSince { actions.append(.raiseRecovered(failingSince: since)) }
        health = .healthy
        failingSince = nil
        backoff.reset()
        return actions
    }

    private mutating func failure(reason: String, now: AuditTime, jitter: Double) -> [Action] {
        var actions: [Action] = []
        let since = failingSince ?? now
        failingSince = since
        if health != .degraded {
            if now.microseconds - since.microseconds >= Int64(degradedAfter / .microseconds(1)) {
                health = .degraded
                actions.append(.raiseDegraded(reason: reason))
            } else {
                health = .retrying
            }
        }
        actions.append(.backOff(backoff.nextDelay(jitter: jitter)))
        return actions
    }
}
