import Foundation
import ReadAudit

/// A small, seeded, reproducible random number generator (SplitMix64) for the property suites: the same
/// seed gives the same cases on every machine, so a failure names a seed and a case that replay it.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The seed the property suites run with: `READAUDIT_FUZZ_SEED` when set (to explore), else a fixed one (CI).
    public static var suiteSeed: UInt64 {
        ProcessInfo.processInfo.environment["READAUDIT_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_0FA0_D17
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly chosen integer in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    /// One element of a non-empty collection.
    public mutating func pick<C: Collection>(_ items: C) -> C.Element { items.randomElement(using: &self)! }
}

/// Hostile and ordinary inputs for the request decoder, the canonical encoding and the router.
public enum FuzzInput {
    /// Characters that stress escaping and encoding: quotes, backslashes, every control class, DEL, NUL,
    /// non-ASCII in every UTF-8 length, a combining mark, line/paragraph separators, a BOM.
    public static let hostileScalars: [Unicode.Scalar] = [
        "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", "\u{7F}", "é", "\u{301}",
        "ß", "€", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{FFFD}", "😀", "𝄞", "中", "ا", " ", "{", "}", "[", "]", ":", ",",
    ]

    /// A random string: mostly ASCII, often hostile characters, sometimes long.
    public static func string(_ g: inout SeededGenerator, maxLength: Int = 24) -> String {
        let length = g.chance(0.05) ? g.int(0...2_000) : g.int(0...maxLength)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            if g.chance(0.25) {
                scalars.append(g.pick(hostileScalars))
            } else {
                scalars.append(Unicode.Scalar(UInt8(g.int(0x20...0x7E))))
            }
        }
        return String(scalars)
    }

    /// A lower-case canonical UUID.
    public static func uuid(_ g: inout SeededGenerator) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { bytes[i] = UInt8.random(in: 0...255, using: &g) }
        var text = Array(ChainHash.hex(bytes).utf8)
        for position in [20, 16, 12, 8] { text.insert(UInt8(ascii: "-"), at: position) }
        return String(decoding: text, as: UTF8.self)
    }

    /// A customer id in the default format.
    public static func validCustomerId(_ g: inout SeededGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")
        while true {
            let id = String((0..<g.int(1...40)).map { _ in g.pick(alphabet) })
            if id != "." && id != ".." { return id }
        }
    }

    /// A JSON number, from ordinary to absurd (hundreds of digits, huge exponents, negative zero).
    public static func number(_ g: inout SeededGenerator) -> String {
        switch g.int(0...5) {
        case 0: return String(g.int(-1_000_000...1_000_000))
        case 1: return "\(g.int(-999...999)).\(g.int(0...99_999))"
        case 2: return "1e\(g.pick(["999999999", "-999999999", "+308", "309", "-324"]))"
        case 3: return String(repeating: "9", count: g.int(20...300))
        case 4: return g.pick(["-0", "0.0", "-0.0e-0", "1E+2", "123456789012345678901234567890.5e-10"])
        default: return "\(g.int(1...9))\(String(repeating: "0", count: g.int(0...70)))"
        }
    }

    /// A random JSON value as text (always valid JSON), nested up to `depth`.
    public static func jsonValue(_ g: inout SeededGenerator, depth: Int) -> String {
        let kind = depth <= 0 ? g.int(0...3) : g.int(0...5)
        switch kind {
        case 0: return g.pick(["null", "true", "false"])
        case 1: return number(&g)
        case 2, 3: return quoted(string(&g))
        case 4: return "[" + (0..<g.int(0...4)).map { _ in jsonValue(&g, depth: depth - 1) }.joined(separator: ",") + "]"
        default:
            let keys = (0..<g.int(0...4)).map { _ in g.chance(0.3) ? g.pick(CustomerDataRequestValidator.fieldNames) : string(&g, maxLength: 8) }
            return "{" + keys.map { quoted($0) + ":" + jsonValue(&g, depth: depth - 1) }.joined(separator: ",") + "}"
        }
    }

    /// `text` as a JSON string literal (RFC 8259 escaping, via the product's writer).
    public static func quoted(_ text: String) -> String {
        var json = JSONText()
        json.string(text)
        return json.string
    }

    /// Nesting `depth` levels deep, of arrays or objects.
    public static func nested(_ g: inout SeededGenerator, depth: Int) -> String {
        if g.chance(0.5) {
            return String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        }
        return String(repeating: #"{"customerId":"#, count: depth) + "1" + String(repeating: "}", count: depth)
    }

    /// What a body was made to be, so a property can state the exact answer it expects.
    public enum BodyKind: String, Sendable, CaseIterable {
        case valid, wrongType, missingField, unknownField, duplicateKey, rawNUL, escapedNULInCustomerId, invalidUTF8, hugeString,
            hugeNumber, deepNesting, badFormat, truncated, byteFlip, randomJSON, randomBytes, notAnObject
    }

    /// A request body of a random kind.
    public static func body(_ g: inout SeededGenerator) -> (kind: BodyKind, bytes: [UInt8]) {
        let kind = g.pick(BodyKind.allCases)
        return (kind, body(kind, &g))
    }

    /// A request body of `kind`.
    public static func body(_ kind: BodyKind, _ g: inout SeededGenerator) -> [UInt8] {
        var members: [(String, String)] = [
            ("customerId", quoted(validCustomerId(&g))), ("agentId", quoted(uuid(&g))), ("interactionId", quoted(uuid(&g))),
        ]
        members.shuffle(using: &g)
        func object(_ members: [(String, String)]) -> [UInt8] {
            let ws = g.pick(["", " ", "\n", "\t", "\r\n  "])
            return Array(("{" + ws + members.map { quoted($0.0) + ws + ":" + ws + $0.1 }.joined(separator: "," + ws) + ws + "}").utf8)
        }
        let victim = g.int(0...2)
        switch kind {
        case .valid:
            return object(members)
        case .wrongType:
            members[victim].1 = g.chance(0.3) ? "\(g.int(-99...99))" : g.pick(["null", "true", "false", "[]", "{}", #"["C-1"]"#, #"{"id":"C-1"}"#, "1.5e3"])
            return object(members)
        case .missingField:
            members.remove(at: victim)
            return object(members)
        case .unknownField:
            var name = g.chance(0.5) ? g.pick(["customerID", "agentid", "interactionId ", "__proto__", "", "fields"]) : string(&g, maxLength: 12)
            if CustomerDataRequestValidator.fieldNames.contains(name) { name += "x" }
            members.insert((name, g.pick(["null", "1", #""C-1""#, "[1,2]", #"{"a":"b"}"#, quoted(string(&g))])), at: g.int(0...members.count))
            return object(members)
        case .duplicateKey:
            members.append((members[victim].0, g.chance(0.5) ? members[victim].1 : quoted(string(&g))))
            members.shuffle(using: &g)
            return object(members)
        case .rawNUL:
            var bytes = object(members)
            // Inside the first string value: a raw control character is not JSON.
            let at = bytes.firstIndex(of: UInt8(ascii: ":"))! + 2
            bytes.insert(0, at: min(at, bytes.count - 1))
            return bytes
        case .escapedNULInCustomerId:
            let index = members.firstIndex { member in member.0 == "customerId" }!
            members[index].1 = quoted(g.pick(["C-1\u{0}", "\u{0}", "C\u{0}-1", "C-1\u{0}\u{0}x"]))
            return object(members)
        case .invalidUTF8:
            var bytes = object(members)
            let quotes = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\"") }
            let at = g.pick(quotes.dropFirst()) // just after a quote: inside a key or a value
            let bad: [[UInt8]] = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]]
            bytes.insert(contentsOf: g.pick(bad), at: at)
            return bytes
        case .hugeString:
            members[victim].1 = quoted(String(repeating: g.pick(["A", "é", "😀", "\\"]), count: g.int(1_000...6_000)))
            return object(members)
        case .hugeNumber:
            members[victim].1 = g.pick(["1e999999999", String(repeating: "9", count: g.int(65...400)), "-" + String(repeating: "1", count: 80)])
            return object(members)
        case .deepNesting:
            let depth = g.pick([7, 8, 9, 10, 64, 65, 200, 5_000])
            if g.chance(0.5) { return Array(nested(&g, depth: depth).utf8) }
            members[victim].1 = nested(&g, depth: depth)
            return object(members)
        case .badFormat:
            let name = g.pick(CustomerDataRequestValidator.fieldNames)
            let index = members.firstIndex { member in member.0 == name }!
            if name == "customerId" {
                members[index].1 = quoted(g.pick([
                    "", ".", "..", "../admin", "C 1", "C/1", "C%2F1", "C?x=1", "C#1", String(repeating: "C", count: 129), "ä", "\u{FEFF}C-1",
                    "C-1\n", "C-1\u{7F}", "C-\u{301}",
                ]))
            } else {
                members[index].1 = quoted(g.pick([
                    "", "6F1C2A9E-3B4D-4C5E-8F70-1A2B3C4D5E6", "not-a-uuid", "{6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f}",
                    "6f1c2a9e3b4d4c5e8f701a2b3c4d5e6f", "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6g", "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f0",
                ]))
            }
            return object(members)
        case .truncated:
            let bytes = object(members)
            return Array(bytes.prefix(g.int(0...(bytes.count - 1))))
        case .byteFlip:
            var bytes = object(members)
            for _ in 0..<g.int(1...3) { bytes[g.int(0...(bytes.count - 1))] = UInt8.random(in: 0...255, using: &g) }
            return bytes
        case .randomJSON:
            return Array(jsonValue(&g, depth: g.int(0...6)).utf8)
        case .randomBytes:
            return (0..<g.int(0...300)).map { _ in UInt8.random(in: 0...255, using: &g) }
        case .notAnObject:
            return Array(g.pick(["[]", "null", "\"x\"", "1", "true", "[{}]", " ", ""]).utf8)
        }
    }

    /// A random audit event with hostile text everywhere text can go.
    public static func event(_ g: inout SeededGenerator) -> AuditEventDraft {
        func optional() -> String? { g.chance(0.3) ? nil : string(&g) }
        func list() -> [String] { (0..<g.int(0...5)).map { _ in string(&g) } }
        func map() -> [String: String] {
            var out: [String: String] = [:]
            for _ in 0..<g.int(0...5) { out[string(&g, maxLength: 10)] = string(&g) }
            return out
        }
        // 1970 … 2100, microsecond precision.
        let time = AuditTime(microseconds: Int64.random(in: 0...4_102_444_800_000_000, using: &g))
        return AuditEventDraft(
            id: EventID(rawValue: uuid(&g))!, time: time, node: string(&g), action: AuditAction(rawValue: string(&g)),
            outcome: AuditOutcome(rawValue: string(&g)), code: optional(), credential: optional(), agent: optional(),
            interaction: optional(), customer: optional(), fields: list(), masked: list(), source: optional(), genesys: map(),
            detail: map())
    }

    /// `value` as compact JSON text (the product's writer is internal; this one is for round trips).
    public static func serialize(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let text): return text
        case .string(let text): return quoted(text)
        case .array(let items): return "[" + items.map(serialize).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.map { quoted($0.0) + ":" + serialize($0.1) }.joined(separator: ",") + "}"
        }
    }

    /// A random chain hash.
    public static func hash(_ g: inout SeededGenerator) -> ChainHash {
        ChainHash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) })!
    }
}
