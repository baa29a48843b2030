/// What an admin credential may do. Separate from integration credentials: a Genesys key can never
/// change the deny list, and an admin key can never read a customer.
public enum AdminRole: String, Sendable, Equatable, CaseIterable {
    /// Reads events and reports.
    case auditor
    /// Alerts and the deny list.
    case soc
    /// Everything, keys and configuration included.
    case admin

    /// True when this role may change or read the deny list.
    var managesDenyList: Bool { self == .soc || self == .admin }
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
