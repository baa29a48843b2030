/// How one field is shown to the caller.
public enum MaskRule: String, Sendable, Equatable, Codable, CaseIterable {
    /// Every digit but the last four replaced by `*` (SSN → `***-**-6789`).
    case last4
    /// A card number showing at most the BIN (first six) and the last four digits (PCI DSS 3.4.1).
    case pan
    /// The whole value replaced by `[redacted]`: the caller learns only that the field exists.
    case redact
}

/// A customer record after the field policy: what the caller receives, and the names for the audit event.
public struct ProjectedRecord: Sendable, Equatable {
    /// The flat record, keys sorted.
    public var fields: [(String, JSONValue)]
    /// Names of the fields handed over.
    public var fieldNames: [String] { fields.map(\.0) }
    /// Names of the fields handed over masked.
    public var maskedNames: [String]

    public static func == (lhs: ProjectedRecord, rhs: ProjectedRecord) -> Bool {
        lhs.fieldNames == rhs.fieldNames && lhs.fields.map(\.1) == rhs.fields.map(\.1) && lhs.maskedNames == rhs.maskedNames
    }

    /// The response body: one flat JSON object.
    public var jsonBytes: [UInt8] {
        var json = JSONText(capacity: 512)
        json.raw("{")
        for (index, (name, value)) in fields.enumerated() {
            json.key(name, first: index == 0)
            value.write(to: &json)
        }
        json.raw("}")
        return json.bytes
    }
}

/// Projects a CRM record onto what a credential may see, and masks what must be masked. Pure.
public struct FieldPolicy: Sendable {
    /// Deployment-wide masks by flattened field name.
    public var masks: [String: MaskRule]

    /// The defaults: SSN to last four, card numbers to BIN and last four.
    public static let defaultMasks: [String: MaskRule] = [
        "ssn": .last4, "socialSecurityNumber": .last4, "cardNumber": .pan, "pan": .pan,
    ]

    public init(masks: [String: MaskRule] = FieldPolicy.defaultMasks) { self.masks = masks }

    public func apply(to record: [String: JSONValue], for credential: CallerCredential) -> ProjectedRecord {
        var out: [(String, JSONValue)] = []
        var masked: [String] = []
        for field in JSONValue.flatten(record) {
            let name = field.name
            let value = field.value
            if let allowed = credential.allowedFields, !allowed.contains(name) { continue }
            if let rule = credential.masks[name] ?? masks[name] ?? credential.masks[field.leaf] ?? masks[field.leaf] {
                out.append((name, Self.mask(value, rule)))
                if value != .null { masked.append(name) }
            } else {
                out.append((name, value))
            }
        }
        return ProjectedRecord(fields: out, maskedNames: masked)
    }

    static func mask(_ value: JSONValue, _ rule: MaskRule) -> JSONValue {
        let text: String
        switch value {
        case .null: return .null
        case .string(let s): text = s
        case .number(let n): text = n
        case .bool, .object, .array: return .string("[redacted]")
        }
        switch rule {
        case .redact:
            return .string("[redacted]")
        case .last4:
            return .string(keepDigits(text, first: 0, last: 4, minimumHidden: 1))
        case .pan:
            return .string(keepDigits(text, first: 6, last: 4, minimumHidden: 3))
        }
    }

    /// Replaces digits by `*`, keeping the first `first` and last `last` digits, separators untouched.
    /// When fewer than `minimumHidden` digits would be hidden, every digit is hidden.
    static func keepDigits(_ text: String, first: Int, last: Int, minimumHidden: Int) -> String {
        let digitCount = text.reduce(0) { $0 + ($1.isASCII && $1.isNumber ? 1 : 0) }
        let revealAny = digitCount - first - last >= minimumHidden
        var seen = 0
        var result = ""
        for character in text {
            if character.isASCII && character.isNumber {
                seen += 1
                let keep = revealAny && (seen <= first || seen > digitCount - last)
                result.append(keep ? character : "*")
            } else if character.isLetter {
                result.append("*")
            } else {
                result.append(character)
            }
        }
        return result
    }
}
