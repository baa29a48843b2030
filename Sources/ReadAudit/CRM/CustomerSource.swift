/// Where customer records come from: the customer's CRM, or the demo's sample CRM.
public protocol CustomerSource: Sendable {
    /// Fetches one record, fresh (never cached). Throws `CustomerSourceError`.
    func customer(id: String) async throws -> CustomerLookup
}

/// The answer of a customer source.
public enum CustomerLookup: Sendable, Equatable {
    /// The record's top-level members, as the CRM sent them.
    case found([String: JSONValue])
    /// The CRM has no such customer.
    case notFound
}

/// Why a customer source could not answer. Detail goes to the operator's log only.
public struct CustomerSourceError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The CRM did not answer within the configured timeout.
        case timeout
        /// The CRM could not be reached, answered 5xx or an unexpected status, or sent something that is not a JSON object.
        case failed
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}
