import Hummingbird

/// The query parameters of an admin request, read strictly: an unknown name is `unknown_field`, a name
/// given twice is `invalid_format`. Reading never fails by itself, so what was asked is recorded even
/// when it is refused; `check()` throws the first problem.
struct AdminParameters: Sendable {
    private var values: [String: String] = [:]
    private var problem: GatewayError?

    init(_ request: Request, allowed: Set<String>) {
        for (name, value) in request.uri.queryParameters {
            let name = String(name)
            guard allowed.contains(name) else {
                problem = problem ?? GatewayError(.unknownField, "Unknown query parameter.", field: String(name.prefix(64)))
                continue
            }
            guard values[name] == nil else {
                problem = problem ?? GatewayError(.invalidFormat, "Give \(name) at most once.", field: name)
                continue
            }
            values[name] = String(value)
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    /// Every parameter as asked, for the event.
    var all: [String: String] { values }

    /// Throws the first problem found while reading.
    func check() throws(GatewayError) {
        if let problem { throw problem }
    }

    /// An identifier (customer, agent, interaction): 1 to 128 characters, no control characters. Any such
    /// value may be in the journal (a refused read records what it was sent), so no stricter format.
    static func identifier(_ value: String, field: String) throws(GatewayError) -> String {
        guard (1...128).contains(value.count), !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw GatewayError(.invalidFormat, "\(field) must be 1 to 128 characters without control characters.", field: field)
        }
        return value
    }

    /// `from` (inclusive) and `to` (exclusive): `YYYY-MM-DD` (UTC midnight) or RFC 3339; from before to.
    func period() throws(GatewayError) -> (from: AuditTime?, to: AuditTime?) {
        func time(_ name: String) throws(GatewayError) -> AuditTime? {
            guard let text = values[name] else { return nil }
            guard let time = AuditTime(parsing: text) else {
                throw GatewayError(.invalidFormat, "\(name) must be YYYY-MM-DD or an RFC 3339 time.", field: name)
            }
            return time
        }
        let from = try time("from")
        let to = try time("to")
        if let from, let to, from >= to { throw GatewayError(.invalidFormat, "to must be after from.", field: "to") }
        return (from, to)
    }

    /// `cursor`: a token from a previous page's `nextCursor`.
    func cursor() throws(GatewayError) -> JournalCursor? {
        guard let text = values["cursor"] else { return nil }
        guard let cursor = JournalCursor(token: text) else {
            throw GatewayError(.invalidFormat, "cursor must be a nextCursor value from a previous page.", field: "cursor")
        }
        return cursor
    }

    /// `limit`: 1 to `maximum`, `standard` when absent.
    func limit(standard: Int = 100, maximum: Int = 1000) throws(GatewayError) -> Int {
        guard let text = values["limit"] else { return standard }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw GatewayError(.invalidFormat, "limit must be a whole number from 1 to \(maximum).", field: "limit")
        }
        return limit
    }

    /// A parameter whose value must be one of `choices`, `standard` when absent.
    func choice<T: RawRepresentable>(_ name: String, _ choices: [T], standard: T) throws(GatewayError) -> T where T.RawValue == String {
        guard let text = values[name] else { return standard }
        guard let value = choices.first(where: { $0.rawValue == text }) else {
            throw GatewayError(.invalidFormat, "\(name) must be one of \(choices.map(\.rawValue).joined(separator: ", ")).", field: name)
        }
        return value
    }
}
