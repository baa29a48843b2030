// Journal append benchmark: appends/s and per-append latency at 1, 16 and 256 concurrent writers with
// fsync on (synchronous=FULL), next to the raw fsync latency of the same disk, measured in the same run
// and interleaved round by round so that machine drift hits every case alike.
//
//   swift run -c release JournalBenchmark [--dir DIR] [--seconds S] [--rounds R]
import Foundation
import Logging
import ReadAudit

struct Options {
    var directory = FileManager.default.currentDirectoryPath + "/.build/bench-journal"
    var seconds = 2.0
    var rounds = 3
    var writers = [1, 16, 256]

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--dir": directory = iterator.next() ?? directory
            case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
            case "--rounds": rounds = Int(iterator.next() ?? "") ?? rounds
            default: fatalError("unknown argument \(argument)")
            }
        }
    }
}

struct Sample {
    var operations: Int
    var elapsed: Duration
    var latencies: [Duration]

    var perSecond: Double { Double(operations) / elapsed.seconds }
    func percentile(_ p: Double) -> Duration {
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

/// Raw fsync of the same disk: append 512 bytes (about one journal row) and fsync, repeatedly.
func measureFsync(directory: String, seconds: Double) throws -> Sample {
    let path = directory + "/fsync-probe"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer {
        close(fd)
        unlink(path)
    }
    let block = [UInt8](repeating: 0x61, count: 512)
    var latencies: [Duration] = []
    let clock = ContinuousClock()
    let start = clock.now
    let end = start + .milliseconds(Int(seconds * 1000))
    while clock.now < end {
        let before = clock.now
        _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        latencies.append(clock.now - before)
    }
    return Sample(operations: latencies.count, elapsed: clock.now - start, latencies: latencies)
}

func event(_ index: Int) -> AuditEventDraft {
    let time = SystemWallClock().now()
    return AuditEventDraft(
        id: .make(at: time), time: time, node: "bench", action: .customerRead, outcome: .served, credential: "genesys",
        agent: "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f", interaction: "0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d",
        customer: "C-\(100_000 + index % 10_000)", fields: ["firstName", "lastName", "ssn", "cardNumber", "accountBalance"],
        masked: ["ssn", "cardNumber"], source: "127.0.0.1", genesys: ["inin-correlation-id": "bench-\(index)"])
}

/// `writers` tasks append in a closed loop for `seconds`; every append's latency is kept.
func measureAppends(journal: SQLiteJournal, writers: Int, seconds: Double) async throws -> Sample {
    let clock = ContinuousClock()
    let start = clock.now
    let end = start + .milliseconds(Int(seconds * 1000))
    let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
        for writer in 0..<writers {
            group.addTask {
                var mine: [Duration] = []
                var index = writer
                while clock.now < end {
                    let before = clock.now
                    _ = try await journal.append(event(index))
                    mine.append(clock.now - before)
                    index += writers
                }
                return mine
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
    return Sample(operations: latencies.count, elapsed: clock.now - start, latencies: latencies)
}

/// One event per SQLite transaction, called directly: the commit without the writer's queueing.
func measureDirectCommits(store: JournalStore, seconds: Double) throws -> Sample {
    var latencies: [Duration] = []
    let clock = ContinuousClock()
    let start = clock.now
    let end = start + .milliseconds(Int(seconds * 1000))
    var index = 0
    while clock.now < end {
        let before = clock.now
        _ = try store.commit([event(index)])
        latencies.append(clock.now - before)
        index += 1
    }
    return Sample(operations: latencies.count, elapsed: clock.now - start, latencies: latencies)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let options = Options(CommandLine.arguments)
try? FileManager.default.removeItem(atPath: options.directory)
try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
let store = try JournalStore(path: options.directory + "/journal.sqlite")
let synchronous = try store.synchronousLevel()
precondition(synchronous == 2, "the benchmark must run with synchronous=FULL")

var fsyncP50: [Double] = [], fsyncP99: [Double] = [], fsyncRate: [Double] = []
var directRate: [Double] = [], directP50: [Double] = [], directP99: [Double] = []
var rate: [Int: [Double]] = [:], p50: [Int: [Double]] = [:], p99: [Int: [Double]] = [:]

try await SQLiteJournal.withRunning(store: store, logger: Logger(label: "bench")) { journal in
    for round in 1...options.rounds {
        let raw = try measureFsync(directory: options.directory, seconds: options.seconds)
        fsyncP50.append(raw.percentile(0.5).milliseconds)
        fsyncP99.append(raw.percentile(0.99).milliseconds)
        fsyncRate.append(raw.perSecond)
        var line = "round \(round): fsync p50 \(String(format: "%.3f", raw.percentile(0.5).milliseconds)) ms"
        let direct = try measureDirectCommits(store: store, seconds: options.seconds)
        directRate.append(direct.perSecond)
        directP50.append(direct.percentile(0.5).milliseconds)
        directP99.append(direct.percentile(0.99).milliseconds)
        line += String(format: " | direct commit p50 %.3f ms", direct.percentile(0.5).milliseconds)
        for writers in options.writers {
            let sample = try await measureAppends(journal: journal, writers: writers, seconds: options.seconds)
            rate[writers, default: []].append(sample.perSecond)
            p50[writers, default: []].append(sample.percentile(0.5).milliseconds)
            p99[writers, default: []].append(sample.percentile(0.99).milliseconds)
            line += String(format: " | %d writers %.0f/s p50 %.3f ms", writers, sample.perSecond, sample.percentile(0.5).milliseconds)
        }
        print(line)
    }
}

let verification = try await JournalVerification.verify(store)
precondition(verification.isIntact, "the benchmark journal must verify")

let fsync50 = median(fsyncP50)
print("")
print("Median of \(options.rounds) interleaved rounds of \(options.seconds) s each; \(verification.verifiedCount) events written and verified.")
print("")
print("| case | ops/s | p50 ms | p99 ms | p50 ÷ fsync p50 |")
print("|---|---:|---:|---:|---:|")
print(String(format: "| raw fsync (512 B write + fsync) | %.0f | %.3f | %.3f | 1.00 |", median(fsyncRate), fsync50, median(fsyncP99)))
print(String(format: "| SQLite commit of 1 event, called directly | %.0f | %.3f | %.3f | %.2f |",
             median(directRate), median(directP50), median(directP99), median(directP50) / fsync50))
for writers in options.writers {
    print(String(format: "| journal append, %d writer%@ | %.0f | %.3f | %.3f | %.2f |",
                 writers, writers == 1 ? "" : "s", median(rate[writers]!), median(p50[writers]!), median(p99[writers]!),
                 median(p50[writers]!) / fsync50))
}
try? FileManager.default.removeItem(atPath: options.directory)
