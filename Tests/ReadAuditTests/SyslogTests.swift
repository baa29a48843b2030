import Foundation
import Logging
import ReadAudit
import ReadAuditTestSupport
import Testing

/// The syslog sink against a real rsyslogd (TCP, TLS, mutual TLS): every event arrives once and intact,
/// outages are retried, untrusted servers are refused. One daemon at a time: the whole suite shares two
/// cores, and its timing-sensitive tests (a 300 ms CRM timeout) must not starve.
@Suite(.serialized) struct SyslogTests {
    static let sdID = SyslogFormatter.structuredDataID
    static let exporter = EventExporter(replayAfter: nil)

    /// `count` events, with hostile values in every tenth one: quotes, backslashes, brackets, pipes,
    /// equals signs, a newline and non-ASCII text.
    static func drafts(_ count: Int) -> [AuditEventDraft] {
        (0..<count).map { index in
            var draft = JournalTests.draft(index)
            if index % 10 == 3 {
                draft.agent = #"agent "quoted" \ back]slash|pipe=eq é ü 😀"#
                draft.customer = "C-\(index)\nforged=line ] |"
                draft.fields = ["a\"b", "c]d"]
                draft.outcome = .denied
                draft.code = "not = allowed|\\"
            }
            return draft
        }
    }

    /// `count` events sealed into a hash chain in memory (no journal file, no fsync).
    static func entries(_ count: Int) -> [JournalEntry] {
        var previous = ChainHash(bytes: Array(repeating: 0, count: 32))!
        return drafts(count).enumerated().map { index, draft in
            let entry = JournalEntry.seal(draft, sequence: Int64(index + 1), after: previous)
            previous = entry.hash
            return entry
        }
    }

    /// `count` events appended to a real journal in the daemon's directory, for a real shipper.
    static func journal(_ count: Int, in rsyslog: RealRsyslog) async throws -> (JournalStore, [JournalEntry]) {
        let store = try JournalStore(path: rsyslog.file("journal.sqlite"))
        try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "test")) { journal in
            for draft in drafts(count) { _ = try await journal.append(draft) }
        }
        return (store, try await store.entries(after: 0, limit: count))
    }

    static func sink(
        _ rsyslog: RealRsyslog, _ transport: SyslogSinkConfiguration.Transport = .tcp, format: SyslogSinkConfiguration.Format = .rfc5424,
        maxBytes: Int = 1 << 20, _ change: (inout SyslogSinkConfiguration) -> Void = { _ in }
    ) -> SyslogSink {
        var configuration = SyslogSinkConfiguration(
            host: "127.0.0.1", port: transport == .tcp ? rsyslog.tcpPort : rsyslog.tlsPort, transport: transport, format: format,
            caFile: rsyslog.certificates.caFile, serverName: "localhost", connectTimeout: .seconds(5))
        change(&configuration)
        return SyslogSink(
            name: "syslog", configuration: configuration, node: "gw-test", limits: SinkBatchLimits(maxEvents: 1000, maxBytes: maxBytes, maxDelay: .zero),
            exporter: exporter, logger: Logger(label: "test"))
    }

    /// The structured data the formatter promises for `entry`, control characters replaced as documented.
    static func expectedSD(_ entry: JournalEntry) -> [String: String] {
        let e = entry.event
        func clean(_ text: String) -> String {
            String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\u{FFFD}" : $0 }))
        }
        let values: [String: String?] = [
            "id": e.id.rawValue, "seq": String(entry.sequence), "action": e.action.rawValue, "outcome": e.outcome.rawValue,
            "agent": e.agent, "customer": exporter.customer(entry), "interaction": e.interaction, "code": e.code,
            "credential": e.credential, "source": e.source, "fields": e.fields.isEmpty ? nil : e.fields.joined(separator: ","),
            "masked": e.masked.isEmpty ? nil : e.masked.joined(separator: ","),
        ]
        return values.compactMapValues { $0.map(clean) }
    }

    /// Parses what rsyslog wrote and checks each entry arrived exactly once with its header and structured data.
    @discardableResult
    static func expectEachOnce(_ entries: [JournalEntry], in rsyslog: RealRsyslog, hostname: String = "gw-test") async throws -> [String: SyslogMessage] {
        let lines = try await rsyslog.waitForLines(count: entries.count) { $0.contains("[\(sdID) ") }
        let messages = try lines.map { try SyslogMessage(parsing: $0) }
        let byID = Dictionary(grouping: messages) { $0.element(sdID)?["id"] ?? "" }
        #expect(messages.count == entries.count, "rsyslog holds \(messages.count) messages for \(entries.count) events")
        for entry in entries {
            let received = byID[entry.event.id.rawValue] ?? []
            #expect(received.count == 1, "event \(entry.sequence) arrived \(received.count) times")
            guard let message = received.first else { continue }
            #expect(message.element(sdID) == expectedSD(entry))
            #expect(message.priority == 13 * 8 + SyslogFormatter.severity(of: entry.event.outcome))
            #expect(message.timestamp == entry.event.time.description)
            #expect(message.hostname == hostname && message.appName == "readaudit" && message.procID == "-")
            #expect(message.msgID == entry.event.action.rawValue)
        }
        return byID.compactMapValues(\.first)
    }

    @Test func everyEventArrivesOnceOverTCPThroughTheShipper() async throws {
        try await RealRsyslog.withRunning { rsyslog in
            let (store, entries) = try await Self.journal(200, in: rsyslog)
            let sink = Self.sink(rsyslog)
            try await ShippingTests.ship(store, to: sink)
            let received = try await Self.expectEachOnce(entries, in: rsyslog)
            // The message is the export JSON, byte for byte.
            for entry in entries {
                let json = String(decoding: Self.exporter.json(entry, now: AuditTime(microseconds: 0)), as: UTF8.self)
                #expect(received[entry.event.id.rawValue]?.message == json)
            }
            await sink.close()
        }
    }

    @Test func everyEventArrivesOnceOverTLSInSeveralBursts() async throws {
        try await RealRsyslog.withRunning { rsyslog in
            let entries = Self.entries(200)
            // 8 KB bursts: about 25 flushed writes for one batch, on one connection.
            let sink = Self.sink(rsyslog, .tls, maxBytes: 8 * 1024) { $0.hostname = "audit-gw" }
            #expect(await sink.deliver(SinkBatch(entries: entries)) == .delivered)
            try await Self.expectEachOnce(entries, in: rsyslog, hostname: "audit-gw")
            await sink.close()
        }
    }

    @Test func cefMessagesArriveIntact() async throws {
        try await RealRsyslog.withRunning { rsyslog in
            let entries = Self.entries(50)
            let sink = Self.sink(rsyslog, .tls, format: .cef)
            #expect(await sink.deliver(SinkBatch(entries: entries)) == .delivered)
            let received = try await Self.expectEachOnce(entries, in: rsyslog)
            for entry in entries {
                let event = entry.event
                let cef = try CEFMessage(parsing: try #require(received[event.id.rawValue]).message)
                #expect(cef.header == [
                    "CEF:0", "ReadAudit", "ReadAudit", ReadAuditVersion.current, event.action.rawValue,
                    "\(event.action.rawValue) \(event.outcome.rawValue)", String(SyslogFormatter.cefSeverity(of: event.outcome)),
                ])
                let x = cef.extensions
                #expect(x["rt"] == String(event.time.microseconds / 1000))
                #expect(x["externalId"] == event.id.rawValue && x["cn1"] == String(entry.sequence) && x["cs6"] == entry.hash.hex)
                #expect(x["suid"] == event.agent && x["duid"] == event.customer && x["cs1"] == event.interaction)
                #expect(x["act"] == event.action.rawValue && x["outcome"] == event.outcome.rawValue && x["cs5"] == event.code)
                #expect(x["cs2"] == event.fields.joined(separator: ",") && x["src"] == event.source && x["dvchost"] == event.node)
            }
            await sink.close()
        }
    }

    @Test func aStoppedServerGetsRetryAndARestartedOneResumes() async throws {
        try await RealRsyslog.withRunning { rsyslog in
            let entries = Self.entries(60)
            let sink = Self.sink(rsyslog)
            #expect(await sink.deliver(SinkBatch(entries: Array(entries[0..<20]))) == .delivered)
            try await Self.expectEachOnce(Array(entries[0..<20]), in: rsyslog)

            try await rsyslog.stop()
            // The open connection died with the server and reconnecting is refused: nothing is claimed.
            for _ in 0..<2 {
                let result = await sink.deliver(SinkBatch(entries: Array(entries[20..<40]), isRetry: true))
                guard case .retry = result else {
                    Issue.record("a stopped server must give retry, got \(result)")
                    return
                }
            }

            try await rsyslog.start()
            #expect(await sink.deliver(SinkBatch(entries: Array(entries[20..<40]), isRetry: true)) == .delivered)
            #expect(await sink.deliver(SinkBatch(entries: Array(entries[40..<60]))) == .delivered)
            try await Self.expectEachOnce(entries, in: rsyslog)
            await sink.close()
        }
    }

    @Test func aServerThatStopsReadingCannotHangDelivery() async throws {
        try await RealRsyslog.withRunning { rsyslog in
            let entries = Self.entries(1)
            let sink = Self.sink(rsyslog) { $0.writeTimeout = .milliseconds(500) }
            #expect(await sink.deliver(SinkBatch(entries: entries)) == .delivered)
            rsyslog.pause()
            defer { rsyslog.resume() }
            // About 20 MB in 2,000 large events: more than the kernel's socket buffers hold for a reader
            // that stopped, at little formatting cost.
            var large = entries[0]
            large.event.detail = ["padding": String(repeating: "x", count: 10_000)]
            let flood = Array(repeating: large, count: 2_000)
            let started = ContinuousClock.now
            let result = await sink.deliver(SinkBatch(entries: flood))
            #expect(ContinuousClock.now - started < .seconds(10))
            switch result {
            case .partial(let accepted, nil): #expect(accepted > 0 && accepted < flood.count)
            case .retry(let reason): #expect(reason.contains("timed out"))
            default: Issue.record("a stalled server must give partial or retry, got \(result)")
            }
            await sink.close()
        }
    }

    @Test func aServerCertificateTheSinkDoesNotTrustIsRejected() async throws {
        try await RealRsyslog.withRunning { rsyslog in
            let entries = Self.entries(5)
            let sink = Self.sink(rsyslog, .tls) { $0.caFile = rsyslog.certificates.otherCAFile }
            let result = await sink.deliver(SinkBatch(entries: entries))
            guard case .rejected(let reason) = result else {
                Issue.record("an untrusted server certificate must be rejected, got \(result)")
                return
            }
            #expect(reason.localizedCaseInsensitiveContains("certificate"))
            #expect(rsyslog.receivedLines().filter { $0.contains(Self.sdID) }.isEmpty)
        }
    }

    @Test func aServerCertificateForAnotherNameIsRejected() async throws {
        try await RealRsyslog.withRunning { rsyslog in
            let entries = Self.entries(4)
            // The certificate names localhost and no address.
            let wrongName = Self.sink(rsyslog, .tls) { $0.serverName = "siem.example.org" }
            let noName = Self.sink(rsyslog, .tls) { $0.serverName = nil }
            for sink in [wrongName, noName] {
                let result = await sink.deliver(SinkBatch(entries: entries))
                guard case .rejected = result else {
                    Issue.record("a certificate for another name must be rejected, got \(result)")
                    return
                }
            }
            let byName = Self.sink(rsyslog, .tls) { $0.host = "localhost"; $0.serverName = nil }
            #expect(await byName.deliver(SinkBatch(entries: entries)) == .delivered)
            try await Self.expectEachOnce(entries, in: rsyslog)
            await byName.close()
        }
    }

    @Test func aClientCertificateIsPresentedWhenConfigured() async throws {
        try await RealRsyslog.withRunning { rsyslog in
            let entries = Self.entries(20)
            let sink = Self.sink(rsyslog, .tls) {
                $0.port = rsyslog.mutualTLSPort
                $0.certificateFile = rsyslog.certificates.clientCertificateFile
                $0.keyFile = rsyslog.certificates.clientKeyFile
            }
            #expect(await sink.deliver(SinkBatch(entries: entries)) == .delivered)
            try await Self.expectEachOnce(entries, in: rsyslog)
            await sink.close()
        }
    }

    @Test func unusableTLSFilesAreRejectedWithoutConnecting() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let entry = JournalEntry.seal(JournalTests.draft(1), sequence: 1, after: ChainHash(bytes: Array(repeating: 0, count: 32))!)
        let missingCA = SyslogSink(
            name: "syslog",
            configuration: SyslogSinkConfiguration(host: "127.0.0.1", port: 9, transport: .tls, caFile: directory.file("missing.pem")),
            node: "gw", limits: SinkBatchLimits(maxEvents: 10, maxBytes: 1 << 20, maxDelay: .zero), exporter: Self.exporter,
            logger: Logger(label: "test"))
        guard case .rejected(let reason) = await missingCA.deliver(SinkBatch(entries: [entry])) else {
            Issue.record("a missing CA file must be rejected")
            return
        }
        #expect(reason.contains("tls.caFile \(directory.file("missing.pem"))"))

        let certificates = try await TestCertificates(in: directory.path)
        let wrongKey = SyslogSink(
            name: "syslog",
            configuration: SyslogSinkConfiguration(
                host: "127.0.0.1", port: 9, transport: .tls, certificateFile: certificates.clientCertificateFile, keyFile: certificates.serverKeyFile),
            node: "gw", limits: SinkBatchLimits(maxEvents: 10, maxBytes: 1 << 20, maxDelay: .zero), exporter: Self.exporter,
            logger: Logger(label: "test"))
        guard case .rejected = await wrongKey.deliver(SinkBatch(entries: [entry])) else {
            Issue.record("a key that is not the certificate's must be rejected")
            return
        }
    }
}
