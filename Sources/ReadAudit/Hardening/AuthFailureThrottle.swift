import Synchronization

/// Counts failed authentications per source address in fixed windows. A source that reaches the limit is
/// refused (429 `too_many_requests`, whatever key it sends) until its window ends. Memory is bounded: past
/// `maxSources` addresses, expired windows go first, then the oldest tenth.
public final class AuthFailureThrottle: Sendable {
    struct Window {
        var start: Duration
        var failures: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    let limit: Int
    let window: Duration
    let maxSources: Int
    let clock: any MonotonicClock

    public init(limit: Int, window: Duration, maxSources: Int, clock: any MonotonicClock) {
        self.limit = limit
        self.window = window
        self.maxSources = maxSources
        self.clock = clock
    }

    static func key(_ source: String?) -> String { source ?? "-" }

    /// Whole seconds until `source` may try again, or nil when it may try now.
    public func retryAfter(source: String?) -> Int? {
        let now = clock.now()
        return windows.withLock { windows -> Int? in
            guard let current = windows[Self.key(source)], current.failures >= limit else { return nil }
            let end = current.start + window
            guard now < end else { return nil }
            return Self.wholeSeconds(end - now)
        }
    }

    /// Counts one failed authentication from `source`.
    public func recordFailure(source: String?) {
        let now = clock.now()
        let key = Self.key(source)
        windows.withLock { windows in
            if var current = windows[key], now < current.start + window {
                current.failures += 1
                windows[key] = current
                return
            }
            if windows[key] == nil && windows.count >= maxSources { evict(&windows, now: now) }
            windows[key] = Window(start: now, failures: 1)
        }
    }

    /// How many sources are remembered (for tests of the bound).
    public var trackedSources: Int { windows.withLock { $0.count } }

    private func evict(_ windows: inout [String: Window], now: Duration) {
        windows = windows.filter { now < $0.value.start + window }
        guard windows.count >= maxSources else { return }
        let oldest = windows.sorted { $0.value.start < $1.value.start }.prefix(max(1, maxSources / 10)).map(\.key)
        for key in oldest { windows[key] = nil }
    }

    static func wholeSeconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}

/// A token bucket per credential: `ratePerSecond` sustained, `burst` at once. Credentials are configured, so
/// the table is bounded by the configuration.
public final class CredentialRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Duration
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    let ratePerSecond: Double
    let burst: Double
    let clock: any MonotonicClock

    public init(ratePerSecond: Double, burst: Int, clock: any MonotonicClock) {
        self.ratePerSecond = ratePerSecond
        self.burst = Double(burst)
        self.clock = clock
    }

    /// Takes a token for `credential`: nil if granted, else whole seconds until the next token.
    public func take(_ credential: String) -> Int? {
        let now = clock.now()
        return buckets.withLock { buckets -> Int? in
            var bucket = buckets[credential] ?? Bucket(tokens: burst, updated: now)
            let elapsed = Double((now - bucket.updated) / .microseconds(1)) / 1_000_000
            bucket.tokens = min(burst, bucket.tokens + max(0, elapsed) * ratePerSecond)
            bucket.updated = now
            defer { buckets[credential] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / ratePerSecond).rounded(.up)))
        }
    }
}

/// Caps the CRM calls in flight. A caller that finds it full is refused at once (503 `overloaded`) instead of
/// queueing, so a slow CRM can hold at most `limit` requests and the gateway keeps answering.
public final class UpstreamLimiter: Sendable {
    private let inFlight = Mutex(0)
    public let limit: Int

    public init(limit: Int) { self.limit = limit }

    /// Takes a slot, or returns false when all are taken.
    public func tryAcquire() -> Bool {
        inFlight.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    public func release() { inFlight.withLock { $0 -= 1 } }

    /// Calls in flight now.
    public var current: Int { inFlight.withLock { $0 } }
}
