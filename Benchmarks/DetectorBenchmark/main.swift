// Detector throughput: a journal of N events (default 1,000,000; many agents, customers and interactions,
// a few denied, some unverified) read in the detector's batch size and run through every rule. The
// baseline, measured in the same run, reads the same journal without detecting. A third line runs the
// rules alone over entries already in memory.
//
//   swift run -c release DetectorBenchmark [--events N] [--dir DIR]
import Foundation
import ReadAudit

var events = 1_000_000
var directory = FileManager.default.currentDirectoryPath + "/.build/bench-detector"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--events": events = Int(arguments.next() ?? "") ?? events
    case "--dir": directory = arguments.next() ?? directory
    default: fatalError("unknown argument \(argument)")
    }
}

try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let store = try JournalStore(path: directory + "/journal.sqlite")

// A working day of a 2,000-agent contact centre, compressed: ~1,000,000 reads over 8 hours.
let start = AuditTime(parsing: "2026-11-18T07:00:00Z")!.microseconds
let span: Int64 = 8 * 3_600_000_000
var generator = SystemRandomNumberGenerator()
var written = 0
let writeStart = ContinuousClock.now
while written < events {
    let count = min(10_000, events - written)
    let batch = (0..<count).map { i -> AuditEventDraft in
        let n = written + i
        let time = AuditTime(microseconds: start + span * Int64(n) / Int64(events))
        let agent = "agent-\(Int.random(in: 0..<2000, using: &generator))"
        let roll = Int.random(in: 0..<1000, using: &generator)
        let outcome: AuditOutcome = roll < 5 ? .denied : (roll < 8 ? .invalid : (roll < 20 ? .notFound : .served))
        let verified = roll == 999 ? "no" : (roll >= 990 ? "unknown" : "yes")
        return AuditEventDraft(
            id: .make(at: time), time: time, node: "bench", action: .customerRead, outcome: outcome,
            code: outcome == .served ? nil : outcome.rawValue, credential: "genesys", agent: agent,
            interaction: "ix-\(Int.random(in: 0..<300_000, using: &generator))",
            customer: "c-\(Int.random(in: 0..<500_000, using: &generator))", fields: ["name", "email", "ssn"], masked: ["ssn"],
            source: "10.0.0.1", detail: ["interactionVerified": verified])
    }
    _ = try store.commit(batch)
    written += count
}
print("wrote \(events) events in \(ContinuousClock.now - writeStart)")

var configuration = DetectionConfiguration()
configuration.watchList.customers = Set((0..<100).map { "c-\($0 * 4999)" })
configuration.afterHours.teams["eu"] = .init(
    timeZone: "Europe/Berlin", hours: Dictionary(uniqueKeysWithValues: (0..<5).map { ($0, [480..<1080]) }))
configuration.afterHours.teams["us"] = .init(
    timeZone: "America/New_York", hours: Dictionary(uniqueKeysWithValues: (0..<5).map { ($0, [540..<1020]) }))
for agent in 0..<2000 { configuration.afterHours.agents["agent-\(agent)"] = agent % 2 == 0 ? "eu" : "us" }

let total = events
func rate(_ duration: Duration, _ events: Int = 0) -> Int { Int(Double(events) / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)) }

// Baseline: read the journal in the detector's batch size.
var cursor: Int64 = 0
var read = 0
var clock = ContinuousClock.now
while true {
    let entries = try await store.entries(after: cursor, limit: 1000)
    guard let last = entries.last else { break }
    read += entries.count
    cursor = last.sequence
}
let baseline = ContinuousClock.now - clock
precondition(read == events)

// Detector: the same reads, every rule on.
var engine = DetectionEngine(configuration)
var findings: [String: Int] = [:]
// As the Detector service does: the next batch is read while the rules run over this one.
clock = ContinuousClock.now
var pending = try await store.entries(after: 0, limit: 1000)
while let last = pending.last {
    async let next = store.entries(after: last.sequence, limit: 1000)
    for entry in pending { for finding in engine.observe(entry) { findings[finding.rule, default: 0] += 1 } }
    pending = try await next
}
let detection = ContinuousClock.now - clock

// Rules alone, over entries in memory.
var all: [JournalEntry] = []
all.reserveCapacity(events)
cursor = 0
while true {
    let entries = try await store.entries(after: cursor, limit: 10_000)
    guard let last = entries.last else { break }
    all += entries
    cursor = last.sequence
}
var rulesOnly = DetectionEngine(configuration)
var count = 0
clock = ContinuousClock.now
for entry in all { count += rulesOnly.observe(entry).count }
let rules = ContinuousClock.now - clock

print("| run | events | time | events/s |")
print("|---|---:|---:|---:|")
print("| baseline: read the journal (batches of 1,000) | \(events) | \(baseline) | \(rate(baseline, total)) |")
print("| detector: read + all six rules | \(events) | \(detection) | \(rate(detection, total)) |")
print("| rules only, entries in memory | \(events) | \(rules) | \(rate(rules, total)) |")
print("findings: \(findings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) (rules only: \(count))")
