extension AuditEventDraft {
    /// The event as it can be stored byte for byte: SQLite text cannot hold U+0000 (it would be cut
    /// there, and the stored row would no longer match its hash), so each NUL becomes U+FFFD before the
    /// event is sealed. The hash covers exactly what is stored.
    public var storable: AuditEventDraft {
        func clean(_ text: String) -> String {
            text.utf8.contains(0) ? String(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) }) : text
        }
        func clean(_ text: String?) -> String? { text.map(clean) }
        func clean(_ map: [String: String]) -> [String: String] {
            Dictionary(map.map { (clean($0.key), clean($0.value)) }, uniquingKeysWith: { first, _ in first })
        }
        var copy = self
        copy.node = clean(node)
        copy.action = AuditAction(rawValue: clean(action.rawValue))
        copy.outcome = AuditOutcome(rawValue: clean(outcome.rawValue))
        copy.code = clean(code)
        copy.credential = clean(credential)
        copy.agent = clean(agent)
        copy.interaction = clean(interaction)
        copy.customer = clean(customer)
        copy.fields = fields.map(clean)
        copy.masked = masked.map(clean)
        copy.source = clean(source)
        copy.genesys = clean(genesys)
        copy.detail = clean(detail)
        return copy
    }
}
