/// Turns journal entries into RFC 5424 syslog messages and frames them for TCP/TLS (RFC 6587 / RFC 5425).
///
/// Pure: no networking, no clock. A message is
/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [readaudit@32473 ...] MSG`, where the structured data names
/// the event (ids, who, what, outcome, field names) so a SIEM can index it without parsing MSG, and MSG is
/// the event's export JSON (format `rfc5424`) or an ArcSight CEF string (format `cef`).
/// MSG carries no UTF-8 BOM: RFC 5424 allows that (MSG-ANY), and a BOM would break the JSON for receivers
/// that pass MSG on unchanged.
public struct SyslogFormatter: Sendable {
    /// The SD-ID of the event's structured data. 32473 is the private enterprise number that RFC 5612
    /// reserves for documentation; a deployment registered under its own number can change it here.
    public static let structuredDataID = "readaudit@32473"

    /// What MSG carries: the export JSON or CEF.
    public let format: SyslogSinkConfiguration.Format
    /// The syslog facility (0–23) that PRI is computed from.
    public let facility: Int
    /// APP-NAME, already cut to printable ASCII and 48 characters.
    public let appName: String
    /// HOSTNAME, already cut to printable ASCII and 255 characters.
    public let hostname: String
    /// Writes the export JSON, the customer id as this sink may see it, and the replay mark.
    public let exporter: EventExporter
    /// The product version in the CEF header.
    public let productVersion: String

    /// A formatter for `configuration`; `node` is the HOSTNAME when the configuration names none.
    public init(configuration: SyslogSinkConfiguration, node: String, exporter: EventExporter, productVersion: String = ReadAuditVersion.current) {
        self.format = configuration.format
        self.facility = min(max(configuration.facility, 0), 23)
        self.appName = Self.headerField(configuration.appName, maxLength: 48)
        self.hostname = Self.headerField(configuration.hostname ?? node, maxLength: 255)
        self.exporter = exporter
        self.productVersion = productVersion
    }

    /// One frame for the wire: `LEN SP MSG`, LEN being MSG's length in octets (RFC 6587 octet counting).
    public func frame(_ entry: JournalEntry, now: AuditTime) -> [UInt8] {
        let message = message(entry, now: now)
        var bytes = Array(String(message.count).utf8)
        bytes.reserveCapacity(bytes.count + 1 + message.count)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: message)
        return bytes
    }

    /// One RFC 5424 message, unframed.
    public func message(_ entry: JournalEntry, now: AuditTime) -> [UInt8] {
        let event = entry.event
        let pri = facility * 8 + Self.severity(of: event.outcome)
        var bytes = Array("<\(pri)>1 \(event.time.description) \(hostname) \(appName) - ".utf8)
        bytes.append(contentsOf: Self.headerField(event.action.rawValue, maxLength: 32).utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: structuredData(entry, now: now).utf8)
        bytes.append(UInt8(ascii: " "))
        switch format {
        case .rfc5424: bytes.append(contentsOf: exporter.json(entry, now: now))
        case .cef: bytes.append(contentsOf: cef(entry, now: now).utf8)
        }
        return bytes
    }

    /// `[readaudit@32473 id="…" seq="…" …]` with only the values the event has.
    public func structuredData(_ entry: JournalEntry, now: AuditTime) -> String {
        let event = entry.event
        let params: [(String, String?)] = [
            ("id", event.id.rawValue),
            ("seq", String(entry.sequence)),
            ("action", event.action.rawValue),
            ("outcome", event.outcome.rawValue),
            ("agent", event.agent),
            ("customer", exporter.customer(entry)),
            ("interaction", event.interaction),
            ("code", event.code),
            ("credential", event.credential),
            ("source", event.source),
            ("fields", event.fields.isEmpty ? nil : event.fields.joined(separator: ",")),
            ("masked", event.masked.isEmpty ? nil : event.masked.joined(separator: ",")),
            ("replay", exporter.isReplay(entry, now: now) ? "true" : nil),
        ]
        var text = "[" + Self.structuredDataID
        for case let (name, value?) in params {
            text += " \(name)=\"\(Self.paramValue(value))\""
        }
        return text + "]"
    }

    /// Syslog severity of an outcome: 6 (informational) when the attempt did what was asked (`served`,
    /// `ok`), 4 (warning) when it did not (`denied`, `invalid`, `not_found`, `upstream_error`, `failed`),
    /// 5 (notice) for an outcome this version does not know yet.
    public static func severity(of outcome: AuditOutcome) -> Int {
        switch outcome {
        case .served, .ok: 6
        case .denied, .invalid, .notFound, .upstreamError, .failed: 4
        default: 5
        }
    }

    /// A header field as RFC 5424 requires it: printable US-ASCII only (anything else, spaces included,
    /// becomes `_`), at most `maxLength` characters, `-` when empty.
    public static func headerField(_ value: String, maxLength: Int) -> String {
        var result = ""
        for scalar in value.unicodeScalars.prefix(maxLength) {
            result.unicodeScalars.append((33...126).contains(scalar.value) ? scalar : "_")
        }
        return result.isEmpty ? "-" : result
    }

    /// An SD-PARAM value: `"`, `\` and `]` escaped with `\`. Control characters become U+FFFD so a message
    /// stays on one line in every receiver's file; the JSON message keeps the exact value.
    public static func paramValue(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"", "\\", "]":
                result.unicodeScalars.append("\\")
                result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result.unicodeScalars.append("\u{FFFD}")
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
