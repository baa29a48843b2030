
/// A validated `POST /v1/customer-data` body. Only this type ever reaches the CRM client.
public struct CustomerDataRequest: Sendable, Equatable {
    public var customerId: String
    public var agentId: String
    public var interactionId: String

    public init(customerId: String, agentId: String, interactionId: String) {
        self.customerId = customerId
        self.agentId = agentId
        self.interactionId = interactionId
    }
}

/// What a request body said, kept for the audit event even when it was invalid.
public struct SubmittedIdentifiers: Sendable, Equatable {
    public var customerId: String?
    public var agentId: String?
    public var interactionId: String?
}

/// Strict decoding of the request body: exactly three string keys, each in its format.
public struct CustomerDataRequestValidator: Sendable {
    /// Longest submitted identifier kept in an audit event for a rejected request.
    static let recordedLimit = 256
    public static let fieldNames = ["customerId", "agentId", "interactionId"]

    /// The default customerId format.
    public static let defaultCustomerIdPattern = "^[A-Za-z0-9._:-]{1,128}$"
    /// The configured customerId format, as written in the configuration.
    public let customerIdPattern: String
    private let isDefaultPattern: Bool

    /// Fails when `customerIdPattern` is not a valid regular expression.
    public init(customerIdPattern: String = CustomerDataRequestValidator.defaultCustomerIdPattern) throws {
        _ = try Regex(customerIdPattern)
        self.customerIdPattern = customerIdPattern
        self.isDefaultPattern = customerIdPattern == Self.defaultCustomerIdPattern
    }

    /// The default format is checked by hand (fast, no regex engine); a custom one by `Regex`.
    func matchesCustomerIdPattern(_ text: String) -> Bool {
        if isDefaultPattern {
            let count = text.utf8.count
            guard count >= 1, count <= 128 else { return false }
            return text.utf8.allSatisfy { b in
                (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b)
                    || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: "-")
            }
        }
        guard let regex = try? Regex(customerIdPattern) else { return false }
        return (try? regex.wholeMatch(in: text)) != nil
    }

    /// Decodes and validates `body`; on failure returns the error and whatever identifiers could be read.
    public func validate(_ body: [UInt8]) -> Result<CustomerDataRequest, RejectedRequest> {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(body, maxDepth: 8)
        } catch {
            return .failure(RejectedRequest(
                GatewayError(.invalidJSON, "The body is not valid JSON: \(error.reason) at byte \(error.offset)."), SubmittedIdentifiers()))
        }
        guard let members = parsed.objectMembers else {
            return .failure(RejectedRequest(GatewayError(.invalidJSON, "The body must be a JSON object."), SubmittedIdentifiers()))
        }
        var dictionary: [String: JSONValue] = [:]
        for (key, value) in members { dictionary[key] = value }
        func recorded(_ key: String) -> String? {
            guard case .string(let value) = dictionary[key] else { return nil }
            return String(value.prefix(Self.recordedLimit))
        }
        let submitted = SubmittedIdentifiers(
            customerId: recorded("customerId"), agentId: recorded("agentId"), interactionId: recorded("interactionId"))
        func reject(_ code: GatewayError.Code, _ message: String, _ field: String?) -> Result<CustomerDataRequest, RejectedRequest> {
            .failure(RejectedRequest(GatewayError(code, message, field: field), submitted))
        }
        if let unknown = members.map(\.0).first(where: { !Self.fieldNames.contains($0) }) {
            return reject(.unknownField, "Unknown field; the body takes exactly customerId, agentId and interactionId.", String(unknown.prefix(64)))
        }
        var values: [String: String] = [:]
        for name in Self.fieldNames {
            guard let raw = dictionary[name] else { return reject(.missingField, "This field is required.", name) }
            guard case .string(let string) = raw else { return reject(.invalidType, "This field must be a string.", name) }
            values[name] = string
        }
        let customerId = values["customerId"]!
        if !matchesCustomerIdPattern(customerId) || customerId == "." || customerId == ".." {
            return reject(.invalidFormat, "customerId does not match the configured format.", "customerId")
        }
        for name in ["agentId", "interactionId"] where !Self.isUUID(values[name]!) {
            return reject(.invalidFormat, "\(name) must be a UUID.", name)
        }
        return .success(CustomerDataRequest(customerId: customerId, agentId: values["agentId"]!, interactionId: values["interactionId"]!))
    }

    /// True for the canonical 8-4-4-4-12 hexadecimal form.
    static func isUUID(_ text: String) -> Bool { EventID.isCanonicalUUID(text) }
}

/// A rejected body: the answer to give and the identifiers to record.
public struct RejectedRequest: Error, Sendable {
    public var error: GatewayError
    public var submitted: SubmittedIdentifiers
    init(_ error: GatewayError, _ submitted: SubmittedIdentifiers) {
        self.error = error
        self.submitted = submitted
    }
}
