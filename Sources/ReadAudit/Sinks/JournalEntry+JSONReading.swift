extension JournalEntry {
    /// Reads an entry back from its export JSON (`jsonBytes`: a sink's copy, an archive line, a proof).
    ///
    /// Strict: every key of the export must be present with its type, and nothing else but `replay`. The
    /// result's hash is the one the export states; `verifiesItself` recomputes it.
    public init(exportJSON value: JSONValue) throws(ExportFormatError) {
        guard let members = value.objectMembers else { throw ExportFormatError("an event must be a JSON object") }
        var map: [String: JSONValue] = [:]
        for (key, member) in members {
            guard map.updateValue(member, forKey: key) == nil else { throw ExportFormatError("key \(key) appears twice") }
        }
        map.removeValue(forKey: "replay")
        let known: Set<String> = [
            "seq", "id", "time", "node", "action", "outcome", "code", "credential", "agent", "interaction", "customer", "fields", "masked",
            "source", "genesys", "detail", "prevHash", "hash",
        ]
        if let unknown = map.keys.first(where: { !known.contains($0) }) { throw ExportFormatError("unknown key \(unknown)") }
        func string(_ key: String) throws(ExportFormatError) -> String {
            guard case .string(let text)? = map[key] else { throw ExportFormatError("\(key) must be a string") }
            return text
        }
        func optional(_ key: String) throws(ExportFormatError) -> String? {
            switch map[key] {
            case .null?: return nil
            case .string(let text)?: return text
            default: throw ExportFormatError("\(key) must be a string or null")
            }
        }
        func list(_ key: String) throws(ExportFormatError) -> [String] {
            guard case .array(let items)? = map[key] else { throw ExportFormatError("\(key) must be a list of strings") }
            var out = [String]()
            for item in items {
                guard case .string(let text) = item else { throw ExportFormatError("\(key) must be a list of strings") }
                out.append(text)
            }
            return out
        }
        func object(_ key: String) throws(ExportFormatError) -> [String: String] {
            guard let pairs = map[key]?.objectMembers else { throw ExportFormatError("\(key) must be an object of strings") }
            var out: [String: String] = [:]
            for (name, item) in pairs {
                guard case .string(let text) = item, out.updateValue(text, forKey: name) == nil else {
                    throw ExportFormatError("\(key) must be an object of strings")
                }
            }
            return out
        }
        func hash(_ key: String) throws(ExportFormatError) -> ChainHash {
            guard let hash = ChainHash(hex: try string(key)) else { throw ExportFormatError("\(key) must be 64 hex digits") }
            return hash
        }
        guard case .number(let seqText)? = map["seq"], let sequence = Int64(seqText), sequence > 0 else {
            throw ExportFormatError("seq must be a positive whole number")
        }
        guard let id = EventID(rawValue: try string("id")) else { throw ExportFormatError("id must be a UUID") }
        guard let time = AuditTime(parsing: try string("time")) else { throw ExportFormatError("time must be an RFC 3339 time") }
        let event = AuditEventDraft(
            id: id, time: time, node: try string("node"), action: AuditAction(rawValue: try string("action")),
            outcome: AuditOutcome(rawValue: try string("outcome")), code: try optional("code"), credential: try optional("credential"),
            agent: try optional("agent"), interaction: try optional("interaction"), customer: try optional("customer"),
            fields: try list("fields"), masked: try list("masked"), source: try optional("source"), genesys: try object("genesys"),
            detail: try object("detail"))
        self.init(sequence: sequence, event: event, previousHash: try hash("prevHash"), hash: try hash("hash"))
    }

    /// True when the stated hash is the hash of the entry's contents at its place in the chain.
    public var verifiesItself: Bool {
        CanonicalEncoding.hash(of: event, sequence: sequence, previousHash: previousHash) == hash
    }
}

/// An event export that cannot be read back; the message names the key.
public struct ExportFormatError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
