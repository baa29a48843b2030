// Compliance evidence over a large journal (issue 5): "who accessed customer X in a 30-day range" latency,
// full `verify` throughput (chain, Merkle tree, every signed checkpoint), and inclusion/consistency proof
// generation, on a journal of 10,000,000 events with a signed checkpoint every 10,000, as the gateway writes.
// The baseline, measured in the same run, is a plain scan of the same rows (`SELECT seq, hash`).
//
//   swift run -c release EvidenceBenchmark [--dir DIR] [--events N] [--queries Q] [--proofs P]
//
// The journal is built once and kept in DIR (about 7 GB for 10M events); later runs reuse it.
import Foundation
import GRDB
import ReadAudit

struct Options {
    var directory = FileManager.default.currentDirectoryPath + "/.build/bench-evidence"
    var events = 10_000_000
    var queries = 2_000
    var proofs = 2_000

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--dir": directory = iterator.next() ?? directory
            case "--events": events = Int(iterator.next() ?? "") ?? events
            case "--queries": queries = Int(iterator.next() ?? "") ?? queries
            case "--proofs": proofs = Int(iterator.next() ?? "") ?? proofs
            default: fatalError("unknown argument \(argument)")
            }
        }
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}

func percentile(_ values: [Duration], _ p: Double) -> Duration {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// A small deterministic generator, so every run builds the same journal.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let options = Options(CommandLine.arguments)
try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
let store = try JournalStore(path: options.directory + "/journal.sqlite")
let keyring = SigningKeyring(directory: options.directory + "/keys")
_ = try keyring.loadOrCreate(now: AuditTime(Date()))
let signer = CheckpointSigner(keyring: keyring, node: "bench-1")
let customers = 500_000
let agents = (0..<2_000).map { index in String(format: "6f1c2a9e-3b4d-4c5e-8f70-%012x", index) }
// 400 days of traffic ending at a fixed day, evenly spread.
let end = AuditTime(parsing: "2026-11-01")!
let span: Int64 = 400 * 86_400 * 1_000_000
let start = AuditTime(microseconds: end.microseconds - span)
func time(of sequence: Int64) -> AuditTime {
    AuditTime(microseconds: start.microseconds + span / Int64(options.events) * sequence)
}

var head = try await store.headSequence()
if head < Int64(options.events) {
    print("building a journal of \(options.events) events in \(options.directory) (once) ...")
    let began = ContinuousClock.now
    var generator = SplitMix(state: UInt64(head))
    while head < Int64(options.events) {
        // 9,999 reads, then a checkpoint over them as entry 10,000, as the checkpointer publishes one.
        var batch: [AuditEventDraft] = []
        let reads = min(9_999, options.events - Int(head))
        for offset in 1...reads {
            let sequence = head + Int64(offset)
            let at = time(of: sequence)
            let agent = agents[Int.random(in: 0..<agents.count, using: &generator)]
            let served = Int.random(in: 0..<100, using: &generator) < 97
            batch.append(AuditEventDraft(
                id: .make(at: at), time: at, node: "bench-1", action: .customerRead, outcome: served ? .served : .notFound,
                code: served ? nil : "customer_not_found", credential: "genesys-prod", agent: agent,
                interaction: String(format: "0b7e5a1c-2d3f-4a5b-9c6d-%012x", Int(sequence / 4)),
                customer: "C-\(Int.random(in: 0..<customers, using: &generator))",
                fields: served ? ["firstName", "lastName", "ssn", "accountBalance", "address_city"] : [], masked: served ? ["ssn"] : [],
                source: "10.20.0.\(Int.random(in: 1..<250, using: &generator))",
                genesys: ["inin-correlation-id": String(format: "4f6e0d2c-1b3a-4c5d-8e9f-%012x", Int(sequence)), "inin-user-id": agent]))
        }
        _ = try store.commit(batch)
        head += Int64(reads)
        if head < Int64(options.events) {
            let at = time(of: head + 1)
            let checkpoint = try await signer.checkpoint(size: head, of: store, at: at)
            _ = try store.commit([checkpoint.event(id: .make(at: at), time: at)])
            head += 1
        }
        if head % 1_000_000 == 0 { print("  \(head) events after \(ContinuousClock.now - began)") }
    }
    try await store.extendMerkleIndex()
    print("built in \(ContinuousClock.now - began)")
}
let total = try await store.headSequence()
let publicKeys = try keyring.publicKeys()
print("journal: \(total) events; machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")

// 1. Baseline: the plainest full scan of the same rows.
var began = ContinuousClock.now
let scanned = try await store.pool.read { db -> Int in
    let rows = try Row.fetchCursor(db, sql: "SELECT seq, hash FROM events ORDER BY seq")
    var count = 0
    while let row = try rows.next() {
        let hash: Data = row[1]
        count += hash.count > 0 ? 1 : 0
    }
    return count
}
let baselineTime = ContinuousClock.now - began
let baselineRate = Double(scanned) / (baselineTime.milliseconds / 1000)

/// CPU seconds (user + system) this process has used: on a shared machine, work per event is steadier than wall time.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

// 2. Full verify: every hash recomputed, every link, the Merkle tree, every checkpoint's signature and root.
began = ContinuousClock.now
let cpuBefore = cpuSeconds()
let result = try await JournalVerification.verify(store, evidence: VerificationEvidence(publicKeys: publicKeys))
let verifyTime = ContinuousClock.now - began
let verifyCPU = cpuSeconds() - cpuBefore
precondition(result.isIntact, "the benchmark journal must verify: \(String(describing: result.problem))")
let verifyRate = Double(result.verifiedCount) / (verifyTime.milliseconds / 1000)

// 3. "Who accessed customer X between D and D + 30 days": the report's query, random customers and windows.
var generator = SplitMix(state: 42)
var queryLatencies: [Duration] = []
var rowsFound = 0
for _ in 0..<options.queries {
    let customer = "C-\(Int.random(in: 0..<customers, using: &generator))"
    let from = AuditTime(microseconds: start.microseconds + Int64.random(in: 0..<(span - 30 * 86_400_000_000), using: &generator))
    let to = AuditTime(microseconds: from.microseconds + 30 * 86_400_000_000)
    let began = ContinuousClock.now
    let rows = try await store.accesses(customer: customer, from: from, to: to)
    queryLatencies.append(ContinuousClock.now - began)
    rowsFound += rows.count
}

// 4. Proofs: an inclusion proof of a random event against the newest checkpoint, looked up by event id.
let checkpoints = try await store.checkpointEvents().compactMap(\.checkpoint)
let newest = checkpoints.max { $0.size < $1.size }!
var ids: [EventID] = []
for _ in 0..<options.proofs {
    let sequence = Int64.random(in: 1...newest.size, using: &generator)
    ids.append(try await store.entries(after: sequence - 1, limit: 1)[0].event.id)
}
var proofLatencies: [Duration] = []
for id in ids {
    let began = ContinuousClock.now
    let entry = try await store.entry(id: id)!
    let proof = try await store.inclusionProof(of: entry, against: newest)
    proofLatencies.append(ContinuousClock.now - began)
    precondition(proof.problem(publicKeys: publicKeys) == nil)
}
var consistencyLatencies: [Duration] = []
for _ in 0..<min(options.proofs, 500) {
    let old = checkpoints[Int.random(in: 0..<(checkpoints.count - 1), using: &generator)]
    let began = ContinuousClock.now
    let proof = try await store.consistencyProof(from: old, to: newest)
    consistencyLatencies.append(ContinuousClock.now - began)
    precondition(proof.problem(publicKeys: publicKeys) == nil)
}

func ms(_ duration: Duration) -> String { String(format: "%.2f ms", duration.milliseconds) }
print("")
print("| measure | result | goal |")
print("|---|---:|---:|")
print("| baseline: scan seq+hash of every row | \(Int(baselineRate)) rows/s (\(ms(baselineTime))) | |")
print("| full verify (chain, Merkle, \(result.checkpointsVerified) checkpoints) | \(Int(verifyRate)) events/s (\(ms(verifyTime))); \(String(format: "%.2f", verifyRate / baselineRate)) × baseline; \(String(format: "%.2f", verifyCPU / Double(result.verifiedCount) * 1e6)) CPU-µs/event | ≥ 1,000,000 events/s |")
print("| customer × 30 days, \(options.queries) queries (\(rowsFound) rows) | p50 \(ms(percentile(queryLatencies, 0.5))), p99 \(ms(percentile(queryLatencies, 0.99))), max \(ms(queryLatencies.max()!)) | p99 < 20 ms |")
print("| inclusion proof vs checkpoint of \(newest.size), \(ids.count) events | p50 \(ms(percentile(proofLatencies, 0.5))), p99 \(ms(percentile(proofLatencies, 0.99))), max \(ms(proofLatencies.max()!)) | < 5 ms |")
print("| consistency proof, \(consistencyLatencies.count) pairs | p50 \(ms(percentile(consistencyLatencies, 0.5))), p99 \(ms(percentile(consistencyLatencies, 0.99))), max \(ms(consistencyLatencies.max()!)) | < 5 ms |")
