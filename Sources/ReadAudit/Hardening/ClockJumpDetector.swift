import Synchronization

/// Watches the wall clock against the monotonic clock. Between two looks both should advance alike; when
/// the wall clock moved more than `tolerance` (plus 0.1 % of the interval, for NTP's slewing) further back or
/// forward, the system clock was stepped. The journal's writer looks before each commit and seals a
/// `clock.jump` event ahead of the batch (PCI DSS 10.6). Events keep their wall-clock `time`; their order is
/// the sequence number, which a jump cannot touch, so the chain is unaffected.
public final class ClockJumpDetector: Sendable {
    /// One observed step of the wall clock.
    public struct Jump: Sendable, Equatable {
        /// The wall time the previous look saw, projected forward by the monotonic time elapsed since.
        public var expected: AuditTime
        /// The wall time now.
        public var observed: AuditTime
        /// `observed - expected`: negative for a step backwards.
        public var delta: Duration { .microseconds(observed.microseconds - expected.microseconds) }
    }

    private struct State {
        var last: (wall: AuditTime, monotonic: Duration)?
        var unreported: Jump?
    }

    private let state = Mutex(State())
    let wall: any WallClock
    let monotonic: any MonotonicClock
    let tolerance: Duration
    let node: String

    public init(wall: any WallClock, monotonic: any MonotonicClock = SystemMonotonicClock(), tolerance: Duration = .seconds(1), node: String) {
        self.wall = wall
        self.monotonic = monotonic
        self.tolerance = tolerance
        self.node = node
    }

    /// Looks at both clocks; returns a jump seen now or one not yet acknowledged.
    public func check() -> Jump? {
        let now = (wall: wall.now(), monotonic: monotonic.now())
        return state.withLock { state -> Jump? in
            defer { state.last = now }
            guard let last = state.last else { return state.unreported }
            let elapsed = now.monotonic - last.monotonic
            let expected = AuditTime(microseconds: last.wall.microseconds + Int64(elapsed / .microseconds(1)))
            let drift = abs(now.wall.microseconds - expected.microseconds)
            let allowed = Int64(tolerance / .microseconds(1)) + Int64(elapsed / .microseconds(1)) / 1000
            if drift > allowed {
                // Two jumps before a commit could record them: keep the first's expectation, the latest time.
                let jump = Jump(expected: state.unreported?.expected ?? expected, observed: now.wall)
                state.unreported = jump
            }
            return state.unreported
        }
    }

    /// The jump returned by `check` is durable in the journal.
    public func acknowledge(_ jump: Jump) {
        state.withLock { state in
            if state.unreported == jump { state.unreported = nil }
        }
    }

    /// The event that records `jump`.
    public func draft(for jump: Jump) -> AuditEventDraft {
        let delta = jump.delta / .microseconds(1)
        return AuditEventDraft(
            id: .make(at: jump.observed), time: jump.observed, node: node, action: .clockJump, outcome: .ok,
            detail: [
                "direction": delta < 0 ? "backward" : "forward", "expected": jump.expected.description,
                "observed": jump.observed.description, "deltaMs": String(Int64(delta) / 1000),
            ])
    }
}

extension AuditAction {
    /// The system clock was stepped backwards or forwards (PCI DSS 10.6); detail has expected, observed, deltaMs.
    public static let clockJump = AuditAction(rawValue: "clock.jump")
}
