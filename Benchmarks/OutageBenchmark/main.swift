// The SIEM is a copy, never a dependency: real HTTP reads through the gateway (sample CRM, fsync journal,
// file and Splunk HEC sinks) for S seconds, once with HEC up throughout (the baseline, same run) and once
// with HEC answering 503 for the first half. Reports failed reads (must be zero), read latency percentiles
// and the outage run's p99 as a ratio of the clean run's, and checks every event id reached HEC afterwards.
//
//   swift run -c release OutageBenchmark [--seconds 60] [--clients 16]
import AsyncHTTPClient
import CompressNIO
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ReadAudit
import ServiceLifecycle
import Synchronization

struct Options: Sendable {
    var seconds = 60
    var clients = 16
    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--seconds": seconds = Int(iterator.next() ?? "") ?? seconds
            case "--clients": clients = Int(iterator.next() ?? "") ?? clients
            default: fatalError("unknown argument \(argument)")
            }
        }
    }
}

/// A loopback HEC that can be switched down (503, code 9) and records the event ids it indexed.
final class HECReceiver: Sendable {
    let down = Mutex(false)
    let ids = Mutex(Set<String>())
    let port = Mutex(0)
    static let marker = Array(#""event_id":""#.utf8)

    func application(logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.post("/services/collector/event") { request, _ -> Response in
            if self.down.withLock({ $0 }) {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: #"{"text":"Server is busy","code":9}"#)))
            }
            var buffer = try await request.body.collect(upTo: 64 << 20)
            if request.headers[.contentEncoding] == "gzip" { buffer = try buffer.decompress(with: .gzip()) }
            let bytes = Array(buffer: buffer)
            var found: [String] = []
            var index = 0
            let marker = Self.marker
            while index + marker.count + 36 <= bytes.count {
                if bytes[index] == marker[0], Array(bytes[index..<index + marker.count]) == marker {
                    found.append(String(decoding: bytes[(index + marker.count)..<(index + marker.count + 36)], as: UTF8.self))
                    index += marker.count + 36
                } else {
                    index += 1
                }
            }
            self.ids.withLock { $0.formUnion(found) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"text":"Success","code":0}"#)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.port.withLock { $0 = channel.localAddress?.port ?? 0 } }, logger: logger)
    }
}

struct RunResult {
    var latencies: [Duration]
    var failures: Int
    var missingAtHEC: Int
    /// The file sink's lag (journal head − its cursor), sampled every 100 ms during the load: isolation.
    var fileLagSamples: [Int64]

    var fileLagMax: Int64 { fileLagSamples.max() ?? 0 }
    var fileLagMean: Double { fileLagSamples.isEmpty ? 0 : Double(fileLagSamples.reduce(0, +)) / Double(fileLagSamples.count) }

    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        return Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
    }
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// One run: a fresh gateway, load for `seconds`, HEC down for the first `outage` seconds.
func run(options: Options, outage: Int, logger: Logger) async throws -> RunResult {
    let directory = NSTemporaryDirectory() + "readaudit-outage-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let receiver = HECReceiver()
    receiver.down.withLock { $0 = outage > 0 }
    let crmPort = try freePort()
    let gatewayPort = try freePort()
    let key = CallerCredential.generateKey()
    var configuration = ReadAuditConfiguration(dataDirectory: directory)
    configuration.node = "bench"
    configuration.port = gatewayPort
    configuration.logLevel = "warning"
    configuration.crm = CRMConfiguration(urlTemplate: "http://127.0.0.1:\(crmPort)/customers/{customerId}")
    configuration.credentials = [CallerCredential(name: "bench", keyHash: CallerCredential.parseHash(CallerCredential.hashText(ofKey: key))!)]

    let hecApp = receiver.application(logger: logger)
    let hecGroup = ServiceGroup(configuration: .init(services: [hecApp], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await hecGroup.run() }
        while receiver.port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        configuration.sinks = [
            SinkConfiguration(name: "file", kind: .file(path: "audit.jsonl")),
            SinkConfiguration(name: "splunk", kind: .splunkHEC(SplunkHECSinkConfiguration(
                url: "http://127.0.0.1:\(receiver.port.withLock { $0 })", token: Secret("bench")))),
        ]
        var ports = try await Gateway.makePorts(configuration: configuration, logger: logger)
        ports.services.append(SampleCRM.application(host: "127.0.0.1", port: crmPort, logger: logger))
        let app = try buildApplication(configuration: configuration, ports: ports, logger: logger)
        let gatewayGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
        tasks.addTask { try await gatewayGroup.run() }

        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = options.clients
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: clientConfiguration)
        // Wait for the gateway to answer.
        while (try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(gatewayPort)/healthz"), timeout: .seconds(1))) == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        let customers = SampleCRM.customerIds
        let start = ContinuousClock.now
        let end = start + .seconds(options.seconds)
        let outageEnd = start + .seconds(outage)
        // Meanwhile, sample how far the file sink lags behind the journal.
        let journalPath = configuration.journalPath
        let sampler = Task {
            var samples: [Int64] = []
            let store = try JournalStore(path: journalPath, readOnly: true)
            while ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(100))
                let head = try await store.headSequence()
                samples.append(head - (try await store.cursor(sink: "file") ?? 0))
            }
            return samples
        }
        let results = try await withThrowingTaskGroup(of: ([Duration], Int).self) { workers in
            for worker in 0..<options.clients {
                workers.addTask {
                    var latencies: [Duration] = []
                    var failures = 0
                    var index = worker
                    while ContinuousClock.now < end {
                        if outage > 0, ContinuousClock.now >= outageEnd { receiver.down.withLock { $0 = false } }
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(gatewayPort)/v1/customer-data")
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer \(key)")
                        request.headers.add(name: "Content-Type", value: "application/json")
                        let body = #"{"customerId":"\#(customers[index % customers.count])","agentId":"6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f","interactionId":"0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d"}"#
                        request.body = .bytes(ByteBuffer(string: body))
                        let before = ContinuousClock.now
                        do {
                            let response = try await client.execute(request, timeout: .seconds(10))
                            _ = try await response.body.collect(upTo: 1 << 20)
                            if response.status != .ok { failures += 1 }
                        } catch {
                            failures += 1
                        }
                        latencies.append(ContinuousClock.now - before)
                        index += options.clients
                    }
                    return (latencies, failures)
                }
            }
            return try await workers.reduce(into: ([Duration](), 0)) { $0.0 += $1.0; $0.1 += $1.1 }
        }
        receiver.down.withLock { $0 = false }
        // After the load: every event id in the journal must reach HEC.
        let store = try JournalStore(path: configuration.journalPath)
        let head = try await store.headSequence()
        let deadline = ContinuousClock.now + .seconds(60)
        while try await store.cursor(sink: "splunk") ?? 0 < head, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let journalIds = try await store.entries(after: 0, limit: Int(head)).map(\.event.id.rawValue)
        let atHEC = receiver.ids.withLock { $0 }
        try await client.shutdown()
        await gatewayGroup.triggerGracefulShutdown()
        await hecGroup.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return RunResult(
            latencies: results.0, failures: results.1, missingAtHEC: journalIds.filter { !atHEC.contains($0) }.count,
            fileLagSamples: try await sampler.value)
    }
}

let options = Options(CommandLine.arguments)
var logger = Logger(label: "bench")
logger.logLevel = .error
// A short warm-up run first (discarded), so neither measured run pays for a cold start.
var warmUp = options
warmUp.seconds = 3
_ = try await run(options: warmUp, outage: 0, logger: logger)
let clean = try await run(options: options, outage: 0, logger: logger)
let outage = try await run(options: options, outage: options.seconds / 2, logger: logger)
print("| run | reads | failed | p50 ms | p99 ms | p99.9 ms | events missing at HEC afterwards | file sink lag, mean / max events |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for (name, result) in [("HEC up (baseline)", clean), ("HEC down for the first half", outage)] {
    print(String(format: "| %@ | %d | %d | %.2f | %.2f | %.2f | %d | %.0f / %lld |", name, result.latencies.count, result.failures,
                 result.percentile(0.5), result.percentile(0.99), result.percentile(0.999), result.missingAtHEC,
                 result.fileLagMean, result.fileLagMax))
}
print(String(format: "\noutage p99 ÷ clean p99 = %.2f (goal ≤ 1.2); %d clients, %d s per run", outage.percentile(0.99) / clean.percentile(0.99), options.clients, options.seconds))
