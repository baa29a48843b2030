/// How to reach the CRM.
public struct CRMConfiguration: Sendable {
    /// URL with one `{customerId}` placeholder, which is replaced by the percent-encoded id as one path segment.
    public var urlTemplate: String
    public var auth: CRMAuth
    public var connectTimeout: Duration
    /// Longest silence while reading the response; a whole call is also bounded by connect + read timeouts.
    public var readTimeout: Duration
    /// Largest CRM response accepted; bigger ones are an upstream error.
    public var maxResponseBytes: Int

    public init(
        urlTemplate: String, auth: CRMAuth = .none, connectTimeout: Duration = .seconds(2),
        readTimeout: Duration = .seconds(5), maxResponseBytes: Int = 1 << 20
    ) {
        self.urlTemplate = urlTemplate
        self.auth = auth
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// The URL for `customerId`: the template with the id percent-encoded as exactly one path segment.
    public func url(for customerId: String) -> String {
        // A byte scan: Foundation's replacingOccurrences (bridged to NSString) was 2 % of a read's CPU, and
        // the standard library's generic replacing 1 %.
        let encoded = Self.encodePathSegment(customerId)
        let template = Array(urlTemplate.utf8)
        let marker = Self.placeholder
        var url = [UInt8]()
        url.reserveCapacity(template.count + encoded.utf8.count)
        var index = 0
        while index < template.count {
            if template[index] == marker[0], template[index...].starts(with: marker) {
                url.append(contentsOf: encoded.utf8)
                index += marker.count
            } else {
                url.append(template[index])
                index += 1
            }
        }
        return String(decoding: url, as: UTF8.self)
    }

    private static let placeholder = Array("{customerId}".utf8)

    /// Percent-encodes everything but RFC 3986 unreserved characters, so `/`, `?`, `#`, `%` and `.` sequences
    /// cannot change the path or add a query. `.` and `..` are refused earlier by the validator.
    public static func encodePathSegment(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF")
        for byte in text.utf8 {
            let unreserved = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if unreserved {
                out.append(Character(Unicode.Scalar(byte)))
            } else {
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}

/// How the gateway authenticates to the CRM.
public enum CRMAuth: Sendable {
    case none
    /// A static bearer token.
    case bearer(Secret)
    /// OAuth 2.0 client credentials; the token is cached until shortly before it expires.
    case oauth2(tokenURL: String, clientId: String, clientSecret: Secret, scope: String?)
}
