/// A JSON value that keeps numbers exactly as written (a balance of `1234.50` stays `1234.50`).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, already validated as a JSON number.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }

    /// The members of an object; nil for anything else.
    public var objectMembers: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    func write(to json: inout JSONText) {
        switch self {
        case .null: json.raw("null")
        case .bool(let b): json.raw(b ? "true" : "false")
        case .number(let n): json.raw(n)
        case .string(let s): json.string(s)
        case .array(let items):
            json.raw("[")
            for (index, item) in items.enumerated() {
                if index > 0 { json.raw(",") }
                item.write(to: &json)
            }
            json.raw("]")
        case .object(let members):
            json.raw("{")
            for (index, (key, value)) in members.enumerated() {
                json.key(key, first: index == 0)
                value.write(to: &json)
            }
            json.raw("}")
        }
    }

    /// One scalar of a flattened record.
    public struct FlatField: Sendable, Equatable {
        /// The flattened name: object keys and array indexes joined with `_` (`address_city`, `phones_0`).
        public var name: String
        /// The innermost object key on the way (`cardNumber` for `payment_cardNumber` or `cardNumber_1`),
        /// so a mask for a field name also covers that field wherever the CRM nests it.
        public var leaf: String
        public var value: JSONValue
    }

    /// Flattens nested objects and arrays into one level, because Genesys Agent Scripts read flat scalar
    /// fields only. Sorted by name. When two paths flatten to one name (a key `a_b` beside `a: {b}`), the
    /// shallower one wins, and of equals the one first in document order, so the answer is deterministic.
    public static func flatten(_ members: [String: JSONValue]) -> [FlatField] {
        // Fast path: a record that is already flat (the usual CRM shape) is its members sorted by name.
        let isFlat = members.values.allSatisfy { value in
            switch value {
            case .object(let children): children.isEmpty
            case .array(let items): items.isEmpty
            default: true
            }
        }
        if isFlat {
            return members.sorted { $0.key < $1.key }.map { FlatField(name: $0.key, leaf: $0.key, value: $0.value) }
        }
        var best: [String: (depth: Int, order: Int, field: FlatField)] = [:]
        var order = 0
        func visit(_ prefix: String, _ leaf: String, _ depth: Int, _ value: JSONValue) {
            switch value {
            case .object(let members) where !members.isEmpty:
                for (key, child) in members { visit(prefix + "_" + key, key, depth + 1, child) }
            case .array(let items) where !items.isEmpty:
                for (index, child) in items.enumerated() { visit(prefix + "_" + String(index), leaf, depth + 1, child) }
            default:
                order += 1
                if let existing = best[prefix], existing.depth <= depth { return }
                best[prefix] = (depth, order, FlatField(name: prefix, leaf: leaf, value: value))
            }
        }
        for key in members.keys.sorted() { visit(key, key, 0, members[key]!) }
        return best.values.map(\.field).sorted { $0.name < $1.name }
    }
}
