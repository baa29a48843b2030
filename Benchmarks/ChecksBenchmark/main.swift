import Foundation
import ReadAudit

// The added latency of the inline checks with the registry warm: the work the read path does between
// input validation and the CRM call (deny-list lookup, registry lookup, pure evaluation), timed per read,
// next to the same step with every check off, in the same run.
// Run: swift run -c release ChecksBenchmark [reads]

let reads = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200_000 : 200_000
let now = AuditTime(microseconds: 1_795_000_000_000_000)

/// A small in-memory deny list, as the gateway holds it.
struct MemoryDenyList: AgentDenyList {
    let blocked: Set<String>
    func isBlocked(_ agentId: String) -> Bool { blocked.contains(agentId.lowercased()) }
    func block(_ agent: BlockedAgent) async throws -> Bool { false }
    func unblock(_ agentId: String, by: String) async throws -> Bool { false }
    func all() async throws -> [BlockedAgent] { [] }
}

func uuid(_ n: Int) -> String {
    let hex = String(format: "%012x", n)
    return "6f1c2a9e-3b4d-4c5e-8f70-\(hex)"
}

// 10,000 live interactions with one agent each, pushed as events; 100 blocked agents.
let registry = InteractionRegistry(directory: nil)
let agents = (0..<10_000).map { uuid($0) }
let interactions = (0..<10_000).map { uuid(1_000_000 + $0) }
for index in 0..<10_000 {
    registry.apply(InteractionEvent(
        kind: .start, conversationId: interactions[index], userId: agents[index], participantId: nil,
        eventTime: AuditTime(microseconds: now.microseconds - 60_000_000), correlationId: nil, envelope: "notification"), now: now)
}
let denyList = MemoryDenyList(blocked: Set((0..<100).map { uuid(50_000 + $0) }))
let requests = (0..<10_000).map { CustomerDataRequest(customerId: "C-\($0)", agentId: agents[$0], interactionId: interactions[$0]) }

let on = InlineChecks(configuration: ChecksConfiguration(participant: .enforce, recency: .enforce))
let off = InlineChecks(configuration: ChecksConfiguration(participant: .off, recency: .off, agentMatch: .off, denyList: .off))

/// The check step of the read path, as `CustomerDataController.check` performs it.
func step(_ checks: InlineChecks, _ request: CustomerDataRequest) async -> InlineChecks.Verdict {
    var interaction: InteractionLookup?
    if checks.configuration.needsInteraction {
        interaction = await registry.lookup(conversationId: request.interactionId, agentId: request.agentId, now: now)
    }
    return checks.evaluate(request, userIdHeader: request.agentId, isBlocked: denyList.isBlocked(request.agentId), interaction: interaction, now: now)
}

func measure(_ checks: InlineChecks) async -> [Double] {
    var samples: [Double] = []
    samples.reserveCapacity(reads)
    let clock = ContinuousClock()
    var refused = 0
    for index in 0..<reads {
        let request = requests[index % requests.count]
        let start = clock.now
        let verdict = await step(checks, request)
        let elapsed = clock.now - start
        if verdict.refusal != nil { refused += 1 }
        samples.append(Double(elapsed / .nanoseconds(1)) / 1000)
    }
    precondition(refused == 0, "a warm, valid read was refused")
    return samples.sorted()
}

func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

_ = await measure(on)  // warm-up
let baseline = await measure(off)
let checked = await measure(on)
print("reads: \(reads), registry: \(registry.count) interactions (warm, pushed), deny list: 100 agents")
print(String(format: "checks off  p50 %.2f µs  p99 %.2f µs  p99.9 %.2f µs", percentile(baseline, 0.5), percentile(baseline, 0.99), percentile(baseline, 0.999)))
print(String(format: "checks on   p50 %.2f µs  p99 %.2f µs  p99.9 %.2f µs", percentile(checked, 0.5), percentile(checked, 0.99), percentile(checked, 0.999)))
print(String(format: "added       p50 %.2f µs  p99 %.2f µs (goal: p99 under 50 µs)",
             percentile(checked, 0.5) - percentile(baseline, 0.5), percentile(checked, 0.99) - percentile(baseline, 0.99)))
