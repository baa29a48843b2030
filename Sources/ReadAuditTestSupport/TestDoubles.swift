import Foundation
import ReadAudit
import Synchronization

/// A wall clock that moves only when the test says so.
public final class ManualClock: WallClock {
    private let current: Mutex<AuditTime>
    public init(_ start: AuditTime = AuditTime(microseconds: 1_795_000_000_000_000)) { current = Mutex(start) }
    public func now() -> AuditTime { current.withLock { $0 } }
    public func advance(by duration: Duration) {
        current.withLock { $0.microseconds += Int64(duration / .microseconds(1)) }
    }
    public func set(_ time: AuditTime) { current.withLock { $0 = time } }
}

/// A sink that keeps what it receives, and can be told to refuse (an outage).
public final class RecordingSink: AuditSink {
    public let name: String
    private let state = Mutex<(batches: [SinkBatch], failing: Bool)>(([], false))

    public init(name: String = "recording") { self.name = name }

    public var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    /// Every entry accepted so far, in delivery order.
    public var delivered: [JournalEntry] { state.withLock { $0.batches.flatMap(\.entries) } }

    /// How many batches were accepted.
    public var batchCount: Int { state.withLock { $0.batches.count } }

    public func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        state.withLock { state in
            if state.failing { return .retry(reason: "recording sink told to fail") }
            state.batches.append(batch)
            return .delivered
        }
    }
}

/// A temporary directory removed when the test is done with it.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        let base = ProcessInfo.processInfo.environment["READAUDIT_TEST_TMP"] ?? NSTemporaryDirectory()
        path = (base as NSString).appendingPathComponent("readaudit-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A known integration credential for tests.
public enum TestCredentials {
    public static let name = "genesys-test"
    public static let key = "ra_test-key-for-the-test-suite-only-0123456789"
    public static var credential: CallerCredential {
        CallerCredential(name: name, keyHash: CallerCredential.parseHash(CallerCredential.hashText(ofKey: key))!)
    }
    public static var bearer: String { "Bearer \(key)" }
    public static var basic: String { "Basic " + Data("\(name):\(key)".utf8).base64EncodedString() }
    public static let agentId = "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f"
    public static let interactionId = "0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d"

    /// A request body for `customerId` with the test agent and interaction.
    public static func body(customerId: String) -> String {
        var json = JSONText()
        json.raw("{")
        json.key("customerId", first: true)
        json.string(customerId)
        json.key("agentId")
        json.string(agentId)
        json.key("interactionId")
        json.string(interactionId)
        json.raw("}")
        return json.string
    }
}

/// A value shared between concurrent test tasks.
public final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { mutex = Mutex(value) }
    public var value: Value { mutex.withLock { $0 } }
    public func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

/// A sink that never answers until it is released (a SIEM that accepts the connection and then hangs);
/// a cancelled delivery returns `.retry`.
public final class HangingSink: AuditSink {
    public let name: String
    private let released = Mutex(false)
    private let attempts = Mutex(0)

    public init(name: String = "hanging") { self.name = name }

    /// Deliveries started so far.
    public var attemptCount: Int { attempts.withLock { $0 } }

    /// From now on, deliveries succeed at once.
    public func release() { released.withLock { $0 = true } }

    public func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        attempts.withLock { $0 += 1 }
        while !released.withLock({ $0 }) {
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                return .retry(reason: "cancelled")
            }
        }
        return .delivered
    }
}
