/// One RFC 5424 message parsed back into its parts, for tests that read what a syslog server received.
public struct SyslogMessage: Sendable {
    /// PRI: facility × 8 + severity.
    public var priority: Int
    public var version: Int
    /// The header fields as written (`-` for nil).
    public var timestamp: String
    public var hostname: String
    public var appName: String
    public var procID: String
    public var msgID: String
    /// Each SD-ELEMENT: its SD-ID and its parameters in order, values unescaped.
    public var structuredData: [(id: String, params: [(name: String, value: String)])]
    /// MSG: everything after the structured data and one space.
    public var message: String

    /// The parameters of the element `id` as a dictionary (nil when absent).
    public func element(_ id: String) -> [String: String]? {
        guard let element = structuredData.first(where: { $0.id == id }) else { return nil }
        return Dictionary(element.params.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]`.
    public init(parsing text: String) throws {
        var rest = Substring(text)
        func fail(_ why: String) -> TestSupportError { TestSupportError("not RFC 5424 (\(why)): \(text.prefix(300))") }
        guard rest.first == "<", let close = rest.firstIndex(of: ">"), let priority = Int(rest[rest.index(after: rest.startIndex)..<close]) else {
            throw fail("PRI")
        }
        self.priority = priority
        rest = rest[rest.index(after: close)...]
        func field() throws -> String {
            guard let space = rest.firstIndex(of: " ") else { throw fail("header") }
            defer { rest = rest[rest.index(after: space)...] }
            return String(rest[..<space])
        }
        guard let version = Int(try field()) else { throw fail("VERSION") }
        self.version = version
        timestamp = try field()
        hostname = try field()
        appName = try field()
        procID = try field()
        msgID = try field()
        structuredData = []
        if rest.hasPrefix("-") {
            rest = rest.dropFirst()
        } else {
            while rest.first == "[" {
                rest = rest.dropFirst()
                guard let end = rest.firstIndex(where: { $0 == " " || $0 == "]" }) else { throw fail("SD-ID") }
                let id = String(rest[..<end])
                rest = rest[end...]
                var params: [(name: String, value: String)] = []
                while rest.first == " " {
                    rest = rest.dropFirst()
                    guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)...].first == "\"" else { throw fail("SD-PARAM") }
                    let name = String(rest[..<equals])
                    rest = rest[rest.index(equals, offsetBy: 2)...]
                    var value = ""
                    var escaped = false
                    while true {
                        guard let character = rest.first else { throw fail("unterminated PARAM-VALUE") }
                        rest = rest.dropFirst()
                        if escaped {
                            // RFC 5424 6.3.3: only `"`, `\` and `]` are escapes; other backslashes are literal.
                            if !["\"", "\\", "]"].contains(character) { value.append("\\") }
                            value.append(character)
                            escaped = false
                        } else if character == "\\" {
                            escaped = true
                        } else if character == "\"" {
                            break
                        } else {
                            value.append(character)
                        }
                    }
                    params.append((name, value))
                }
                guard rest.first == "]" else { throw fail("SD-ELEMENT end") }
                rest = rest.dropFirst()
                structuredData.append((id, params))
            }
            guard !structuredData.isEmpty else { throw fail("STRUCTURED-DATA") }
        }
        if rest.first == " " { rest = rest.dropFirst() }
        message = String(rest)
    }
}

/// A CEF message parsed back: the seven header fields and the extension's key/value pairs, unescaped.
public struct CEFMessage: Sendable {
    /// `CEF:0`, vendor, product, version, signature id, name, severity.
    public var header: [String]
    /// Extension keys and their values.
    public var extensions: [String: String]

    /// Parses `CEF:0|…|…|…|…|…|…|key=value key=value …`, undoing the header and extension escapes.
    public init(parsing text: String) throws {
        var header: [String] = []
        var current = ""
        var rest = Substring(text)
        while header.count < 7 {
            guard let character = rest.first else { throw TestSupportError("CEF header ended early: \(text)") }
            rest = rest.dropFirst()
            if character == "\\", let next = rest.first {
                current.append(next)
                rest = rest.dropFirst()
            } else if character == "|" {
                header.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        self.header = header
        // Extension: `key=value` pairs separated by spaces; a value runs up to the space before the next `key=`.
        var pairs: [(String, String)] = []
        var key: String?
        var value = ""
        var characters = rest.makeIterator()
        while let character = characters.next() {
            if character == "\\", let next = characters.next() {
                value.append(next == "n" ? "\n" : next == "r" ? "\r" : next)
            } else if character == "=" {
                // An unescaped `=` ends a key: the last word of what was read so far; the rest was the previous value.
                let split = value.lastIndex(of: " ")
                if let key { pairs.append((key, split.map { String(value[..<$0]) } ?? "")) }
                key = String(split.map { value[value.index(after: $0)...] } ?? value[...])
                value = ""
            } else {
                value.append(character)
            }
        }
        if let key { pairs.append((key, value)) }
        extensions = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }
}
