/// What an admin credential may do. Separate from integration credentials: a Genesys key can never
/// change the deny list, and an admin key can never read a customer.
public enum AdminRole: String, Sendable, Equatable, CaseIterable {
    /// Reads events and reports, and checks the chain.
    case auditor
    /// Alerts and the deny list, and an agent's activity (to triage an alert).
    case soc
    /// Everything, keys and configuration included.
    case admin

    /// True when this role may do `permission`.
    public func allows(_ permission: AdminPermission) -> Bool {
        switch self {
        case .admin: true
        case .auditor: [.events, .reports, .agentActivity, .verification].contains(permission)
        case .soc: [.alerts, .denyList, .agentActivity].contains(permission)
        }
    }
}

/// One kind of admin request; each endpoint needs exactly one.
public enum AdminPermission: String, Sendable, Equatable, CaseIterable {
    /// `GET /admin/v1/events` (queries and exports).
    case events
    /// `GET /admin/v1/reports/customer/{id}`.
    case reports
    /// `GET /admin/v1/reports/agent/{id}`.
    case agentActivity
    /// `GET /admin/v1/alerts`.
    case alerts
    /// `GET` and `POST /admin/v1/verification`.
    case verification
    /// `/admin/v1/deny-list`.
    case denyList
}

/// An admin credential as configured: a name, the SHA-256 of its key, a role.
public struct AdminCredential: Sendable, Equatable {
    public var credential: CallerCredential
    public var role: AdminRole

    public init(name: String, keyHash: [UInt8], role: AdminRole) {
        credential = CallerCredential(name: name, keyHash: keyHash)
        self.role = role
    }
}
