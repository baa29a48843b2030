import Foundation
import Yams

extension ReadAuditConfiguration {
    /// Applies `detection:` and `responders:` (documented in readaudit.example.yaml). Unknown keys are errors.
    mutating func applyDetection(_ top: YAMLMap, environment: [String: String], resolvingSecrets: Bool) throws {
        if let map = try top.map("detection") { detection = try Self.detection(map) }
        if let map = try top.map("responders") {
            responders = try Self.responders(map, environment: environment, resolvingSecrets: resolvingSecrets)
        }
    }

    static func detection(_ map: YAMLMap) throws -> DetectionConfiguration {
        var d = DetectionConfiguration()
        try map.allowOnly(["enabled", "lookbackEvents", "velocity", "snooping", "watchList", "afterHours", "sharedCustomer", "deniedBurst"])
        if let value = try map.bool("enabled") { d.enabled = value }
        if let value = try map.int("lookbackEvents") { d.lookbackEvents = max(0, value) }
        if let m = try map.map("velocity") {
            try m.allowOnly(["enabled", "windowSeconds", "threshold", "baselineMultiple", "baselineMinimum", "baselineWindows"])
            if let v = try m.bool("enabled") { d.velocity.enabled = v }
            if let v = try m.positive("windowSeconds") { d.velocity.windowSeconds = Int64(v) }
            if let v = try m.positive("threshold") { d.velocity.threshold = v }
            if let v = try m.string("baselineMultiple") {
                guard let x = Double(v), x >= 0 else { throw m.error("baselineMultiple", "must be a number ≥ 0") }
                d.velocity.baselineMultiple = x
            }
            if let v = try m.positive("baselineMinimum") { d.velocity.baselineMinimum = v }
            if let v = try m.positive("baselineWindows") { d.velocity.baselineWindows = v }
        }
        if let m = try map.map("snooping") {
            try m.allowOnly(["enabled", "resolveSeconds", "alertUnresolved"])
            if let v = try m.bool("enabled") { d.snooping.enabled = v }
            if let v = try m.positive("resolveSeconds") { d.snooping.resolveSeconds = Int64(v) }
            if let v = try m.bool("alertUnresolved") { d.snooping.alertUnresolved = v }
        }
        if let m = try map.map("watchList") {
            try m.allowOnly(["enabled", "windowSeconds", "customers", "crmFields"])
            if let list = try m.list("crmFields") {
                d.watchList.crmFields = try list.enumerated().map { try YAMLMap.scalar($1, path: "\(m.path).crmFields[\($0)]") }
            }
            if let v = try m.bool("enabled") { d.watchList.enabled = v }
            if let v = try m.positive("windowSeconds") { d.watchList.windowSeconds = Int64(v) }
            if let list = try m.list("customers") {
                d.watchList.customers = Set(try list.enumerated().map { try YAMLMap.scalar($1, path: "\(m.path).customers[\($0)]") })
            }
        }
        if let m = try map.map("afterHours") { d.afterHours = try afterHours(m) }
        if let m = try map.map("sharedCustomer") {
            try m.allowOnly(["enabled", "windowSeconds", "threshold"])
            if let v = try m.bool("enabled") { d.sharedCustomer.enabled = v }
            if let v = try m.positive("windowSeconds") { d.sharedCustomer.windowSeconds = Int64(v) }
            if let v = try m.positive("threshold") { d.sharedCustomer.threshold = v }
        }
        if let m = try map.map("deniedBurst") {
            try m.allowOnly(["enabled", "windowSeconds", "threshold"])
            if let v = try m.bool("enabled") { d.deniedBurst.enabled = v }
            if let v = try m.positive("windowSeconds") { d.deniedBurst.windowSeconds = Int64(v) }
            if let v = try m.positive("threshold") { d.deniedBurst.threshold = v }
        }
        return d
    }

    static func afterHours(_ m: YAMLMap) throws -> AfterHoursRule.Settings {
        var s = AfterHoursRule.Settings()
        try m.allowOnly(["enabled", "windowSeconds", "teams", "agents"])
        if let v = try m.bool("enabled") { s.enabled = v }
        if let v = try m.positive("windowSeconds") { s.windowSeconds = Int64(v) }
        if let teams = try m.map("teams") {
            for team in teams.keys {
                guard let t = try teams.map(team) else { continue }
                try t.allowOnly(["timeZone", "hours"])
                guard let zone = try t.string("timeZone"), TimeZone(identifier: zone) != nil else {
                    throw t.error("timeZone", "must be an IANA time zone name such as Europe/Berlin")
                }
                var hours: [Int: [Range<Int>]] = [:]
                if let h = try t.map("hours") {
                    try h.allowOnly(Set(AfterHoursRule.dayNames))
                    for (index, day) in AfterHoursRule.dayNames.enumerated() {
                        guard let text = try h.string(day) else { continue }
                        hours[index] = try text.split(separator: ",").map { part in
                            guard let range = minutes(String(part)) else { throw h.error(day, "must be HH:MM-HH:MM[, HH:MM-HH:MM]") }
                            return range
                        }
                    }
                }
                s.teams[team] = AfterHoursRule.Schedule(timeZone: zone, hours: hours)
            }
        }
        if let agents = try m.map("agents") {
            for agent in agents.keys {
                guard let team = try agents.string(agent), s.teams[team] != nil else {
                    throw agents.error(agent, "must name a team under afterHours.teams")
                }
                s.agents[agent] = team
            }
        }
        return s
    }

    /// `08:00-18:00` as minutes after midnight; `24:00` may end a range.
    static func minutes(_ text: String) -> Range<Int>? {
        let bounds = text.trimmingCharacters(in: .whitespaces).split(separator: "-")
        guard bounds.count == 2 else { return nil }
        func parse(_ s: Substring) -> Int? {
            let p = s.split(separator: ":")
            guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...24).contains(h), (0..<60).contains(m) else { return nil }
            let value = h * 60 + m
            return value <= 1440 ? value : nil
        }
        guard let start = parse(bounds[0]), let end = parse(bounds[1]), start < end else { return nil }
        return start..<end
    }

    static func responders(_ map: YAMLMap, environment: [String: String], resolvingSecrets: Bool) throws -> ResponseConfiguration {
        var r = ResponseConfiguration()
        try map.allowOnly(["rules", "rateLimits", "maxAlertAgeSeconds", "soar"])
        let kinds: Set<String> = ["block", "revoke", "soar"]
        if let rules = try map.map("rules") {
            for rule in rules.keys {
                let list = try rules.list(rule) ?? []
                r.rules[rule] = try list.enumerated().map { index, node in
                    let kind = try YAMLMap.scalar(node, path: "\(rules.path).\(rule)[\(index)]")
                    guard kinds.contains(kind) else { throw rules.error(rule, "lists \(kind); responders are block, revoke, soar") }
                    return kind
                }
            }
        }
        if let limits = try map.map("rateLimits") {
            try limits.allowOnly(kinds)
            for kind in limits.keys {
                guard let l = try limits.map(kind) else { continue }
                try l.allowOnly(["max", "perSeconds"])
                guard let max = try l.int("max"), max >= 0, let per = try l.positive("perSeconds") else {
                    throw l.error("max", "and perSeconds are required (max ≥ 0, perSeconds > 0)")
                }
                r.rateLimits[kind] = .init(max: max, perSeconds: Int64(per))
            }
        }
        if let v = try map.positive("maxAlertAgeSeconds") { r.maxAlertAgeSeconds = Int64(v) }
        if let soar = try map.map("soar") {
            try soar.allowOnly(["url", "secret", "timeoutMs"])
            guard let url = try soar.string("url"), let parsed = URL(string: url), parsed.scheme == "https" || parsed.scheme == "http" else {
                throw soar.error("url", "must be an http or https URL")
            }
            let secret = resolvingSecrets ? try Self.secret(soar, "secret", environment: environment) : Secret("")
            r.soar = WebhookSinkConfiguration(
                url: url, secret: secret, requestTimeout: .milliseconds(try soar.positive("timeoutMs") ?? 10_000))
        }
        return r
    }
}

extension YAMLMap {
    /// `true` / `false`.
    func bool(_ key: String) throws -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, "must be true or false")
        }
    }

    /// A whole number greater than zero.
    func positive(_ key: String) throws -> Int? {
        guard let value = try int(key) else { return nil }
        guard value > 0 else { throw error(key, "must be greater than zero") }
        return value
    }
}
