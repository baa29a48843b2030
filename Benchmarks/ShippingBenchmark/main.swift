// Shipping throughput: a journal of N events (default 1,000,000) shipped by the real Shipper and
// SplunkHECSink to a minimal loopback HEC receiver, with and without gzip, and by the SyslogSink to a
// real rsyslogd (Debian's rsyslog; scripts/test.sh installs it) writing a file. The baseline, measured in the
// same run, is reading the same journal in the shipper's batch size without sending anything.
//
//   swift run -c release ShippingBenchmark [--events N] [--batch N] [--dir DIR]
import AsyncHTTPClient
import CompressNIO
import Foundation
import Hummingbird
import Logging
import NIOCore
import ReadAudit
import ReadAuditTestSupport
import ServiceLifecycle
import Synchronization

var events = 1_000_000
var batchSize = 1000
var directory = FileManager.default.currentDirectoryPath + "/.build/bench-shipping"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--events": events = Int(arguments.next() ?? "") ?? events
    case "--batch": batchSize = Int(arguments.next() ?? "") ?? batchSize
    case "--dir": directory = arguments.next() ?? directory
    default: fatalError("unknown argument \(argument)")
    }
}

/// Counts HEC envelopes (each starts with `{"time":`) without parsing them, so the receiver costs little.
final class Receiver: Sendable {
    let count = Mutex(0)
    let port = Mutex(0)
    static let marker = Array(#"{"time":"#.utf8)

    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/services/collector/event") { request, _ -> Response in
            var buffer = try await request.body.collect(upTo: 64 << 20)
            if request.headers[.contentEncoding] == "gzip" { buffer = try buffer.decompress(with: .gzip()) }
            var found = 0
            buffer.withUnsafeReadableBytes { bytes in
                var index = 0
                let marker = Receiver.marker
                while index + marker.count <= bytes.count {
                    if bytes[index] == marker[0] && bytes[index + 1] == marker[1] && bytes[index + 2] == marker[2]
                        && bytes[index + 3] == marker[3] && bytes[index + 4] == marker[4] && bytes[index + 5] == marker[5]
                    {
                        found += 1
                        index += 600
                    } else {
                        index += 1
                    }
                }
            }
            self.count.withLock { $0 += found }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"text":"Success","code":0}"#)))
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.port.withLock { $0 = channel.localAddress?.port ?? 0 } }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let result = try await body(port.withLock { $0 })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}

var logger = Logger(label: "bench")
logger.logLevel = .warning
try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let store = try JournalStore(path: directory + "/journal.sqlite")

// 1. The journal: N realistic customer reads, committed in large batches.
let fillStart = ContinuousClock.now
var written = 0
while written < events {
    let count = min(10_000, events - written)
    let base = SystemWallClock().now().microseconds
    _ = try store.commit((0..<count).map { offset in
        let time = AuditTime(microseconds: base + Int64(offset))
        return AuditEventDraft(
            id: .make(at: time), time: time, node: "bench", action: .customerRead, outcome: .served, credential: "genesys",
            agent: "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f", interaction: "0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d",
            customer: "C-\(100_000 + (written + offset) % 50_000)",
            fields: ["accountBalance", "address_city", "cardNumber", "dateOfBirth", "email", "firstName", "lastName", "phone", "ssn"],
            masked: ["cardNumber", "ssn"], source: "10.20.30.40", genesys: ["inin-correlation-id": "bench-\(written + offset)"])
    })
    written += count
}
print(String(format: "journal: %d events written in %.1f s", events, (ContinuousClock.now - fillStart).seconds))

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

// 2. Baseline: read the whole journal in shipper-sized batches, nothing sent.
let readStart = ContinuousClock.now
var cursor: Int64 = 0
var read = 0
while true {
    let page = try await store.entries(after: cursor, limit: batchSize)
    guard let last = page.last else { break }
    read += page.count
    cursor = last.sequence
}
let readRate = Double(read) / (ContinuousClock.now - readStart).seconds
print(String(format: "baseline, journal read only: %.0f events/s", readRate))

// 3. The real shipper and HEC sink, to the loopback receiver.
func ship(gzip: Bool, batchSize: Int, store: JournalStore, logger: Logger) async throws -> (rate: Double, received: Int) {
    let receiver = Receiver()
    return try await receiver.run { port in
        let name = gzip ? "hec-gzip" : "hec-plain"
        let limits = SinkBatchLimits(maxEvents: batchSize, maxBytes: 900_000, maxDelay: .zero)
        let sink = SplunkHECSink(
            name: name, configuration: SplunkHECSinkConfiguration(url: "http://127.0.0.1:\(port)", token: Secret("bench"), gzip: gzip),
            limits: limits, exporter: EventExporter(), client: HTTPClient.shared, logger: logger)
        let journal = try await SQLiteJournal(store: store, logger: logger)
        let shipper = Shipper(sink: sink, journal: journal, store: store, node: "bench", clock: SystemWallClock(), limits: limits, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [journal, shipper], logger: logger))
        let head = try await store.headSequence()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while try await store.cursor(sink: name) ?? 0 < head { try await Task.sleep(for: .milliseconds(20)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let elapsed = (ContinuousClock.now - start).seconds
        return (Double(head) / elapsed, receiver.count.withLock { $0 })
    }
}

/// 4. The real shipper and syslog sink (RFC 5424, TCP) to a real rsyslogd writing a file: the rate until
/// every frame is written and flushed to the connection, and until rsyslog has written every line.
func shipToRsyslog(batchSize: Int, store: JournalStore, logger: Logger) async throws -> (sent: Double, written: Double) {
    try await RealRsyslog.withRunning { rsyslog in
        let limits = SinkBatchLimits(maxEvents: batchSize, maxBytes: 1 << 20, maxDelay: .zero)
        let sink = SyslogSink(
            name: "rsyslog", configuration: SyslogSinkConfiguration(host: "127.0.0.1", port: rsyslog.tcpPort), node: "bench",
            limits: limits, exporter: EventExporter(), logger: logger)
        let journal = try await SQLiteJournal(store: store, logger: logger)
        let shipper = Shipper(sink: sink, journal: journal, store: store, node: "bench", clock: SystemWallClock(), limits: limits, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [journal, shipper], logger: logger))
        let head = try await store.headSequence()
        let start = ContinuousClock.now
        var sentAt = start
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while try await store.cursor(sink: "rsyslog") ?? 0 < head { try await Task.sleep(for: .milliseconds(20)) }
            sentAt = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // rsyslog writes asynchronously: count its lines until all are there.
        let deadline = ContinuousClock.now + .seconds(300)
        var lines = 0
        while lines < Int(head), ContinuousClock.now < deadline {
            lines = countLines(rsyslog.outputFile)
            if lines < Int(head) { try await Task.sleep(for: .milliseconds(50)) }
        }
        precondition(lines >= Int(head), "rsyslog wrote \(lines) of \(head) lines")
        return (Double(head) / (sentAt - start).seconds, Double(head) / (ContinuousClock.now - start).seconds)
    }
}

func countLines(_ path: String) -> Int {
    guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
    defer { try? handle.close() }
    var count = 0
    while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        chunk.withUnsafeBytes { bytes in for byte in bytes where byte == 0x0A { count += 1 } }
    }
    return count
}

let quiet = logger
let plain = try await ship(gzip: false, batchSize: batchSize, store: store, logger: quiet)
let gzipped = try await ship(gzip: true, batchSize: batchSize, store: store, logger: quiet)
precondition(plain.received >= events && gzipped.received >= events, "every event must reach the receiver")
let syslog = try await shipToRsyslog(batchSize: batchSize, store: store, logger: quiet)
print("")
print("| case | events/s | ÷ journal read |")
print("|---|---:|---:|")
print(String(format: "| journal read only (baseline) | %.0f | 1.00 |", readRate))
print(String(format: "| HEC, no compression | %.0f | %.2f |", plain.rate, plain.rate / readRate))
print(String(format: "| HEC, gzip (default) | %.0f | %.2f |", gzipped.rate, gzipped.rate / readRate))
print(String(format: "| syslog over TCP to rsyslogd: written and flushed to the connection | %.0f | %.2f |", syslog.sent, syslog.sent / readRate))
print(String(format: "| syslog over TCP to rsyslogd: every line in rsyslog's file | %.0f | %.2f |", syslog.written, syslog.written / readRate))
try? FileManager.default.removeItem(atPath: directory)
