/// Exponential, jittered, capped back-off between failed deliveries. Pure: the shell does the sleeping.
public struct RetryBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    /// Consecutive failures so far.
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// Records a failure and returns how long to wait: `initial × 2^(failures-1)`, capped, with ±20 % jitter
    /// (`jitter` in 0...1, 0.5 meaning none) so that many shippers do not retry in step.
    public mutating func nextDelay(jitter: Double) -> Duration {
        failures += 1
        let exponent = min(failures - 1, 30)
        var delay = initial * (1 << exponent)
        if delay > maximum { delay = maximum }
        let perMille = 800 + Int((400 * min(max(jitter, 0), 1)).rounded())
        return delay * perMille / 1000
    }

    /// A delivery succeeded: the next failure starts from `initial` again.
    public mutating func reset() { failures = 0 }
}
