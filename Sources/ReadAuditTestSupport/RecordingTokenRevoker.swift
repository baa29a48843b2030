import ReadAudit
import Synchronization

/// A `TokenRevoker` that records whom it was asked to log out, and can be told to fail.
public final class RecordingTokenRevoker: TokenRevoker {
    private let state = Mutex<(calls: [String], failing: Bool)>(([], false))

    public init() {}

    /// User ids revoked so far, in call order.
    public var calls: [String] { state.withLock { $0.calls } }

    /// When set, every call throws (Genesys unreachable).
    public var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    public func revokeTokens(userId: String) async throws {
        let failing = state.withLock { state in
            state.calls.append(userId)
            return state.failing
        }
        if failing { throw ResponderError("token revocation told to fail") }
    }
}
