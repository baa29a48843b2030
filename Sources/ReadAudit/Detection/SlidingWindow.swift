/// A first-in first-out queue with amortised O(1) removal at the front, for window state.
struct FIFO<Element: Sendable>: Sendable {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }
    var first: Element? { isEmpty ? nil : items[head] }

    mutating func append(_ element: Element) { items.append(element) }

    mutating func removeFirst() -> Element {
        let element = items[head]
        head += 1
        // Compact once the dead prefix dominates, so memory follows the live window.
        if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }
}

/// Timestamps in a sliding window of `length` microseconds: how many happened in the last `length`, counted
/// up to `capacity` (only the most recent `capacity` are kept).
struct TimeWindow: Sendable {
    private var times = FIFO<Int64>()
    let capacity: Int
    var count: Int { times.count }
    var isEmpty: Bool { times.isEmpty }

    init(capacity: Int = .max) { self.capacity = max(1, capacity) }

    /// Adds an occurrence at `time` and drops those at or before `time - length`, and the oldest past `capacity`.
    mutating func add(_ time: Int64, length: Int64) {
        times.append(time)
        if times.count > capacity { _ = times.removeFirst() }
        evict(before: time, length: length)
    }

    mutating func evict(before time: Int64, length: Int64) {
        while let first = times.first, first <= time - length { _ = times.removeFirst() }
    }
}

/// The `capacity` most recently seen distinct keys, each with the last time it was seen. Enough to tell
/// whether at least `capacity` distinct keys fell in a window, in memory bounded by `capacity` whatever the
/// traffic (keeping one entry per observation, as the velocity rule once did, grows with every read of a flood).
struct RecentDistinct<Key: Hashable & Sendable>: Sendable {
    private var recent: [(key: Key, at: Int64)] = []
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func add(_ key: Key, at time: Int64) {
        if let index = recent.firstIndex(where: { pair in pair.key == key }) { recent.remove(at: index) }
        recent.append((key, time))
        if recent.count > capacity { recent.removeFirst(recent.count - capacity) }
    }

    /// Distinct keys seen in `(time - length, time]`, counted up to `capacity`.
    func distinct(at time: Int64, length: Int64) -> Int { recent.reduce(0) { count, pair in pair.at > time - length ? count + 1 : count } }

    var count: Int { recent.count }

    /// True when nothing was seen in the window ending at `time`.
    func isEmpty(at time: Int64, length: Int64) -> Bool { recent.last.map { last in last.at <= time - length } ?? true }
}

/// Remembers when each subject last raised a finding, so an incident alerts once per `length`.
struct Cooldown: Sendable {
    private var last: [String: Int64] = [:]
    private var sweepAt: Int64 = .min

    /// True (and remembered) when `subject` has not fired within `length` before `time`.
    mutating func admit(_ subject: String, at time: Int64, length: Int64) -> Bool {
        if time >= sweepAt {
            last = last.filter { $0.value > time - length }
            sweepAt = time + length
        }
        if let previous = last[subject], previous > time - length { return false }
        last[subject] = time
        return true
    }
}

/// Microseconds in a number of seconds.
@inline(__always) func micros(seconds: Int64) -> Int64 { seconds * 1_000_000 }
