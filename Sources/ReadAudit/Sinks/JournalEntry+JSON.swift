extension JournalEntry {
    /// The entry as one JSON object, the shape every sink exports (field names stable; see docs/canonical-encoding.md).
    public var jsonBytes: [UInt8] { jsonBytes(customer: event.customer) }

    /// The export with `customer` in place of the event's own (a pseudonym, for sinks that get one).
    public func jsonBytes(customer: String?) -> [UInt8] {
        var json = JSONText(capacity: 640)
        let e = event
        json.raw("{")
        json.key("seq", first: true)
        json.raw(String(sequence))
        json.key("id")
        json.string(e.id.rawValue)
        json.key("time")
        json.string(e.time.description)
        json.key("node")
        json.string(e.node)
        json.key("action")
        json.string(e.action.rawValue)
        json.key("outcome")
        json.string(e.outcome.rawValue)
        json.key("code")
        json.optionalString(e.code)
        json.key("credential")
        json.optionalString(e.credential)
        json.key("agent")
        json.optionalString(e.agent)
        json.key("interaction")
        json.optionalString(e.interaction)
        json.key("customer")
        json.optionalString(customer)
        json.key("fields")
        json.stringArray(e.fields)
        json.key("masked")
        json.stringArray(e.masked)
        json.key("source")
        json.optionalString(e.source)
        json.key("genesys")
        json.stringMap(e.genesys)
        json.key("detail")
        json.stringMap(e.detail)
        json.key("prevHash")
        json.string(previousHash.hex)
        json.key("hash")
        json.string(hash.hex)
        json.raw("}")
        return json.bytes
    }
}
