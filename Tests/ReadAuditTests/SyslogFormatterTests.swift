import Crypto
import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The syslog sink's pure formatting: RFC 5424 header and structured data, CEF, framing, escaping.
@Suite struct SyslogFormatterTests {
    static let hashA = String(repeating: "11", count: 32)
    static let hashB = String(repeating: "22", count: 32)

    static func entry(_ change: (inout AuditEventDraft) -> Void = { _ in }) -> JournalEntry {
        var event = AuditEventDraft(
            id: EventID(rawValue: "01a225e7-9ff6-7ef8-b7e8-e991b51499f1")!, time: AuditTime(microseconds: 1_795_000_000_123_456),
            node: "gw-1", action: .customerRead, outcome: .served, credential: "genesys-prod", agent: "agent-7",
            interaction: "conv-9", customer: "C-100001", fields: ["ssn", "name"], masked: ["ssn"], source: "10.0.0.7")
        change(&event)
        return JournalEntry(
            sequence: 42, event: event, previousHash: ChainHash(bytes: Array(repeating: 0x11, count: 32))!,
            hash: ChainHash(bytes: Array(repeating: 0x22, count: 32))!)
    }

    static func formatter(
        _ format: SyslogSinkConfiguration.Format = .rfc5424, exporter: EventExporter = EventExporter(replayAfter: nil),
        _ change: (inout SyslogSinkConfiguration) -> Void = { _ in }
    ) -> SyslogFormatter {
        var configuration = SyslogSinkConfiguration(host: "siem.example", port: 6514, format: format)
        change(&configuration)
        return SyslogFormatter(configuration: configuration, node: "gw-1", exporter: exporter, productVersion: "0.1.0")
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func rfc5424MessageMatchesTheGoldenString() {
        let expected =
            #"<110>1 2026-11-18T11:06:40.123456Z gw-1 readaudit - customer.read [readaudit@32473 id="01a225e7-9ff6-7ef8-b7e8-e991b51499f1" seq="42" action="customer.read" outcome="served" agent="agent-7" customer="C-100001" interaction="conv-9" credential="genesys-prod" source="10.0.0.7" fields="ssn,name" masked="ssn"] "#
            + #"{"seq":42,"id":"01a225e7-9ff6-7ef8-b7e8-e991b51499f1","time":"2026-11-18T11:06:40.123456Z","node":"gw-1","action":"customer.read","outcome":"served","code":null,"credential":"genesys-prod","agent":"agent-7","interaction":"conv-9","customer":"C-100001","fields":["ssn","name"],"masked":["ssn"],"source":"10.0.0.7","genesys":{},"detail":{},"prevHash":"\#(Self.hashA)","hash":"\#(Self.hashB)"}"#
        #expect(Self.text(Self.formatter().message(Self.entry(), now: AuditTime(microseconds: 0))) == expected)
    }

    @Test func cefMessageMatchesTheGoldenString() {
        let expected =
            #"<110>1 2026-11-18T11:06:40.123456Z gw-1 readaudit - customer.read [readaudit@32473 id="01a225e7-9ff6-7ef8-b7e8-e991b51499f1" seq="42" action="customer.read" outcome="served" agent="agent-7" customer="C-100001" interaction="conv-9" credential="genesys-prod" source="10.0.0.7" fields="ssn,name" masked="ssn"] "#
            + "CEF:0|ReadAudit|ReadAudit|0.1.0|customer.read|customer.read served|3|rt=1795000000123 dvchost=gw-1 suid=agent-7 duid=C-100001 "
            + "act=customer.read outcome=served externalId=01a225e7-9ff6-7ef8-b7e8-e991b51499f1 src=10.0.0.7 cn1Label=seq cn1=42 "
            + "cs1Label=interaction cs1=conv-9 cs2Label=fields cs2=ssn,name cs3Label=masked cs3=ssn cs4Label=credential cs4=genesys-prod "
            + "cs6Label=hash cs6=\(Self.hashB)"
        #expect(Self.text(Self.formatter(.cef).message(Self.entry(), now: AuditTime(microseconds: 0))) == expected)
    }

    @Test func framesCountOctetsNotCharacters() {
        let entry = Self.entry { $0.agent = "Zoë 😀" }
        let formatter = Self.formatter()
        let message = formatter.message(entry, now: AuditTime(microseconds: 0))
        let frame = formatter.frame(entry, now: AuditTime(microseconds: 0))
        #expect(frame == Array("\(message.count) ".utf8) + message)
        #expect(message.count > Self.text(message).count)
    }

    @Test func priorityIsFacilityTimesEightPlusTheOutcomesSeverity() {
        let cases: [(AuditOutcome, Int)] = [
            (.served, 6), (.ok, 6), (.denied, 4), (.invalid, 4), (.notFound, 4), (.upstreamError, 4), (.failed, 4),
            (AuditOutcome(rawValue: "something_new"), 5),
        ]
        for (outcome, severity) in cases {
            #expect(SyslogFormatter.severity(of: outcome) == severity)
            let text = Self.text(Self.formatter { $0.facility = 10 }.message(Self.entry { $0.outcome = outcome }, now: AuditTime(microseconds: 0)))
            #expect(text.hasPrefix("<\(10 * 8 + severity)>1 "))
        }
        #expect(SyslogFormatter.cefSeverity(of: .served) == 3)
        #expect(SyslogFormatter.cefSeverity(of: .denied) == 6)
    }

    @Test func absentValuesAreLeftOutOfTheStructuredData() {
        let entry = Self.entry {
            $0 = AuditEventDraft(id: $0.id, time: $0.time, node: "gw-1", action: .gatewayStart, outcome: .ok, detail: ["version": "0.1.0"])
        }
        let sd = Self.formatter().structuredData(entry, now: AuditTime(microseconds: 0))
        #expect(sd == #"[readaudit@32473 id="01a225e7-9ff6-7ef8-b7e8-e991b51499f1" seq="42" action="gateway.start" outcome="ok"]"#)
        let cef = Self.formatter(.cef).cef(entry, now: AuditTime(microseconds: 0))
        #expect(!cef.contains("suid=") && !cef.contains("duid=") && !cef.contains("cs1="))
        #expect(cef.hasSuffix("msg=version: 0.1.0"))
    }

    @Test func structuredDataEscapesQuotesBackslashesAndBrackets() throws {
        let hostile = #"a"b\c]d [x="y"] é"#
        let entry = Self.entry { $0.agent = hostile; $0.customer = "line1\nline2\r\u{0}" }
        let sd = Self.formatter().structuredData(entry, now: AuditTime(microseconds: 0))
        #expect(sd.contains(#"agent="a\"b\\c\]d [x=\"y\"\] é""#))
        #expect(sd.contains("customer=\"line1\u{FFFD}line2\u{FFFD}\u{FFFD}\""))
        // Parsed back, the values are the event's (control characters aside).
        let message = try SyslogMessage(parsing: Self.text(Self.formatter().message(entry, now: AuditTime(microseconds: 0))))
        #expect(message.element(SyslogFormatter.structuredDataID)?["agent"] == hostile)
        #expect(!Self.text(Self.formatter().message(entry, now: AuditTime(microseconds: 0))).contains("\n"))
    }

    @Test func headerFieldsArePrintableASCIIWithinTheirLimits() {
        #expect(SyslogFormatter.headerField("gw 1/é\u{7F}", maxLength: 255) == "gw_1/__")
        #expect(SyslogFormatter.headerField("", maxLength: 48) == "-")
        let formatter = Self.formatter { $0.appName = String(repeating: "a", count: 60); $0.hostname = String(repeating: "h", count: 300) }
        #expect(formatter.appName.count == 48)
        #expect(formatter.hostname.count == 255)
        let action = AuditAction(rawValue: "audit.some_very_long_action_name_beyond_thirty_two")
        let message = try? SyslogMessage(parsing: Self.text(formatter.message(Self.entry { $0.action = action }, now: AuditTime(microseconds: 0))))
        #expect(message?.msgID == String(action.rawValue.prefix(32)))
        #expect(message?.element(SyslogFormatter.structuredDataID)?["action"] == action.rawValue)
        #expect(message?.procID == "-")
    }

    @Test func hostnameIsTheConfiguredOneOrTheNode() throws {
        let configured = try SyslogMessage(parsing: Self.text(Self.formatter { $0.hostname = "audit-gw.example" }.message(Self.entry(), now: AuditTime(microseconds: 0))))
        #expect(configured.hostname == "audit-gw.example")
        let node = try SyslogMessage(parsing: Self.text(Self.formatter().message(Self.entry(), now: AuditTime(microseconds: 0))))
        #expect(node.hostname == "gw-1")
    }

    @Test func cefEscapesPipesInTheHeaderAndEqualsAndNewlinesInTheExtension() throws {
        #expect(SyslogFormatter.cefHeader(#"a|b\c"#) == #"a\|b\\c"#)
        #expect(SyslogFormatter.cefExtension("k=v\\x\ny|z") == #"k\=v\\x\ny|z"#)
        let hostile = "x=1 cs1=forged\nnext|line \\ é"
        let entry = Self.entry {
            $0.action = AuditAction(rawValue: "odd|action\\name")
            $0.agent = hostile
            $0.interaction = "conv=9"
            $0.detail = ["reason": "HTTP 503 | busy = yes"]
        }
        let cef = Self.formatter(.cef).cef(entry, now: AuditTime(microseconds: 0))
        #expect(!cef.contains("\n"))
        let parsed = try CEFMessage(parsing: cef)
        #expect(parsed.header == ["CEF:0", "ReadAudit", "ReadAudit", "0.1.0", "odd|action\\name", "odd|action\\name served", "3"])
        #expect(parsed.extensions["suid"] == hostile)
        #expect(parsed.extensions["cs1"] == "conv=9")
        #expect(parsed.extensions["act"] == "odd|action\\name")
        #expect(parsed.extensions["msg"] == "reason: HTTP 503 | busy = yes")
    }

    @Test func pseudonymisedSinksSeeOnlyThePseudonym() throws {
        let key = SymmetricKey(data: Data("pseudonym-key".utf8))
        let exporter = EventExporter(pseudonymKey: key, replayAfter: nil)
        let pseudonym = EventExporter.pseudonym(of: "C-100001", key: key)
        for format in [SyslogSinkConfiguration.Format.rfc5424, .cef] {
            let text = Self.text(Self.formatter(format, exporter: exporter).message(Self.entry(), now: AuditTime(microseconds: 0)))
            #expect(!text.contains("C-100001"))
            let message = try SyslogMessage(parsing: text)
            #expect(message.element(SyslogFormatter.structuredDataID)?["customer"] == pseudonym)
            if format == .cef { #expect(try CEFMessage(parsing: message.message).extensions["duid"] == pseudonym) }
        }
    }

    @Test func lateEventsAreMarkedAsReplayInEveryPart() throws {
        let exporter = EventExporter(replayAfter: .seconds(300))
        let entry = Self.entry()
        let late = AuditTime(microseconds: entry.event.time.microseconds + 301_000_000)
        let message = try SyslogMessage(parsing: Self.text(Self.formatter(exporter: exporter).message(entry, now: late)))
        #expect(message.element(SyslogFormatter.structuredDataID)?["replay"] == "true")
        #expect(message.message.hasSuffix(#","replay":true}"#))
        let cef = try CEFMessage(parsing: Self.formatter(.cef, exporter: exporter).cef(entry, now: late))
        #expect(cef.extensions["flexString1Label"] == "replay" && cef.extensions["flexString1"] == "true")
        let onTime = try SyslogMessage(parsing: Self.text(Self.formatter(exporter: exporter).message(entry, now: entry.event.time)))
        #expect(onTime.element(SyslogFormatter.structuredDataID)?["replay"] == nil)
    }

    @Test func ipv6OriginsGoToTheIPv6ExtensionKey() throws {
        let cef = try CEFMessage(parsing: Self.formatter(.cef).cef(Self.entry { $0.source = "::1" }, now: AuditTime(microseconds: 0)))
        #expect(cef.extensions["src"] == nil)
        #expect(cef.extensions["c6a2"] == "::1" && cef.extensions["c6a2Label"] == "source")
    }

    @Test func failuresAfterSomeFramesArePartialAndCertificateProblemsAreRejections() {
        #expect(SyslogSink.result(written: 0, failure: .transient("refused")) == .retry(reason: "refused"))
        #expect(SyslogSink.result(written: 0, failure: .refused("untrusted")) == .rejected(reason: "untrusted"))
        #expect(SyslogSink.result(written: 3, failure: .transient("reset")) == .partial(accepted: 3, quarantined: nil))
        #expect(SyslogSink.result(written: 3, failure: .refused("untrusted")) == .partial(accepted: 3, quarantined: nil))
        #expect(SyslogFailure.classify(SyslogTLSSettingsError("no such file"), endpoint: "h:1") == .refused("TLS settings for h:1 are unusable: no such file"))
        struct Refused: Error {}
        guard case .transient = SyslogFailure.classify(Refused(), endpoint: "h:1") else {
            Issue.record("an unknown connection error must be retried")
            return
        }
    }
}
