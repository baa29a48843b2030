extension SyslogFormatter {
    /// The event as ArcSight CEF: `CEF:0|ReadAudit|ReadAudit|<version>|<action>|<action> <outcome>|<severity>|<extension>`.
    ///
    /// Extension keys, each present only when the event has a value: `rt` (event time, epoch ms), `dvchost`
    /// (node), `suid` (agent), `duid` (customer, pseudonymised when the sink is), `act`, `outcome`,
    /// `externalId` (event id), `src` / `c6a2` (IPv4 / IPv6 origin), `cn1` seq, `cs1` interaction,
    /// `cs2` fields, `cs3` masked, `cs4` credential, `cs5` code, `cs6` hash (each with its `…Label`),
    /// `flexString1=true` labelled `replay` for late events, and `msg` with the event's `detail` facts.
    public func cef(_ entry: JournalEntry, now: AuditTime) -> String {
        let event = entry.event
        let header = [
            "CEF:0", "ReadAudit", "ReadAudit", Self.cefHeader(productVersion), Self.cefHeader(event.action.rawValue),
            Self.cefHeader("\(event.action.rawValue) \(event.outcome.rawValue)"), String(Self.cefSeverity(of: event.outcome)),
        ].joined(separator: "|")
        var pairs: [(String, String?)] = [
            ("rt", String(Self.floorDivide(event.time.microseconds, 1000))),
            ("dvchost", event.node.isEmpty ? nil : event.node),
            ("suid", event.agent),
            ("duid", exporter.customer(entry)),
            ("act", event.action.rawValue),
            ("outcome", event.outcome.rawValue),
            ("externalId", event.id.rawValue),
        ]
        if let source = event.source {
            pairs += source.contains(":") ? [("c6a2Label", "source"), ("c6a2", source)] : [("src", source)]
        }
        pairs += [("cn1Label", "seq"), ("cn1", String(entry.sequence))]
        let labelled: [(String, String, String?)] = [
            ("cs1", "interaction", event.interaction),
            ("cs2", "fields", event.fields.isEmpty ? nil : event.fields.joined(separator: ",")),
            ("cs3", "masked", event.masked.isEmpty ? nil : event.masked.joined(separator: ",")),
            ("cs4", "credential", event.credential),
            ("cs5", "code", event.code),
            ("cs6", "hash", entry.hash.hex),
            ("flexString1", "replay", exporter.isReplay(entry, now: now) ? "true" : nil),
        ]
        for case let (key, label, value?) in labelled {
            pairs += [("\(key)Label", label), (key, value)]
        }
        if !event.detail.isEmpty {
            let facts = event.detail.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { "\($0): \(event.detail[$0]!)" }
            pairs.append(("msg", facts.joined(separator: "; ")))
        }
        let extensions = pairs.compactMap { key, value in value.map { "\(key)=\(Self.cefExtension($0))" } }
        return header + "|" + extensions.joined(separator: " ")
    }

    /// CEF severity (0–10) of an outcome: 3 (low) for `served`/`ok`, 6 (medium) for the failures that
    /// get syslog severity 4, 5 for an outcome this version does not know.
    public static func cefSeverity(of outcome: AuditOutcome) -> Int {
        switch severity(of: outcome) {
        case 6: 3
        case 4: 6
        default: 5
        }
    }

    /// A CEF header field: `\` and `|` escaped with `\`; line breaks, which the header may not hold, become spaces.
    public static func cefHeader(_ value: String) -> String {
        var result = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\", "|":
                result.unicodeScalars.append("\\")
                result.unicodeScalars.append(scalar)
            case "\n", "\r": result.unicodeScalars.append(" ")
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A CEF extension value: `\` and `=` escaped with `\`, line breaks written as `\n` and `\r`.
    public static func cefExtension(_ value: String) -> String {
        var result = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\", "=":
                result.unicodeScalars.append("\\")
                result.unicodeScalars.append(scalar)
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }
}
