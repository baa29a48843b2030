import Crypto
import Foundation
import Synchronization

/// One signed-in console user: which admin credential, its role, and the form token of this session.
struct ConsoleSession: Sendable, Equatable {
    /// The admin credential's name (events say `admin:<name>`).
    var name: String
    var role: AdminRole
    /// The synchronizer token every state-changing form of this session carries.
    var csrfToken: String
    var created: AuditTime
    var lastSeen: AuditTime
}

/// The console's sessions, in memory and bounded: random 256-bit ids (kept only as their SHA-256, so a
/// memory dump yields no usable cookie), an idle and an absolute lifetime on the injected clock. The id
/// is never logged nor recorded; events name the credential.
final class ConsoleSessions: Sendable {
    /// How long a session lives without a request, and at most.
    struct Lifetimes: Sendable {
        var idle: Duration = .seconds(15 * 60)
        var absolute: Duration = .seconds(8 * 3600)
    }

    let clock: any WallClock
    let lifetimes: Lifetimes
    /// Most sessions kept; a new sign-in beyond it ends the least recently used one.
    let capacity: Int
    private let sessions = Mutex<[String: ConsoleSession]>([:])

    init(clock: any WallClock, lifetimes: Lifetimes = Lifetimes(), capacity: Int = 1000) {
        self.clock = clock
        self.lifetimes = lifetimes
        self.capacity = capacity
    }

    /// A new session for `name`; returns the id to set in the cookie.
    func create(name: String, role: AdminRole) -> (id: String, session: ConsoleSession) {
        let id = Self.randomToken()
        let now = clock.now()
        let session = ConsoleSession(name: name, role: role, csrfToken: Self.randomToken(), created: now, lastSeen: now)
        sessions.withLock { sessions in
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
                sessions[oldest] = nil
            }
            sessions[Self.key(id)] = session
        }
        return (id, session)
    }

    /// The live session with this id, its idle timer restarted; nil (and forgotten) when unknown or expired.
    func touch(_ id: String) -> ConsoleSession? {
        let now = clock.now()
        let key = Self.key(id)
        return sessions.withLock { sessions in
            guard var session = sessions[key] else { return nil }
            let idle = Int64(lifetimes.idle / .microseconds(1))
            let absolute = Int64(lifetimes.absolute / .microseconds(1))
            guard now.microseconds - session.lastSeen.microseconds < idle, now.microseconds - session.created.microseconds < absolute else {
                sessions[key] = nil
                return nil
            }
            session.lastSeen = now
            sessions[key] = session
            return session
        }
    }

    /// Ends the session (sign-out).
    func end(_ id: String) {
        let key = Self.key(id)
        _ = sessions.withLock { $0.removeValue(forKey: key) }
    }

    /// Sessions held now (expired ones are dropped when next seen or evicted).
    var count: Int { sessions.withLock { $0.count } }

    /// 32 random bytes, base64url without padding (256 bits).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private static func key(_ id: String) -> String {
        Data(SHA256.hash(data: Data(id.utf8))).base64EncodedString()
    }

    /// Compares two tokens without an early exit (the CSRF check).
    static func tokensMatch(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let a = Array(SHA256.hash(data: Data(given.utf8)))
        let b = Array(SHA256.hash(data: Data(expected.utf8)))
        return CallerAuthenticator.constantTimeEqual(a, b)
    }
}
