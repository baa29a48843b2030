import Foundation
import Hummingbird

/// A check of the journal's integrity, as the admin API runs it. The default walks the hash chain; a
/// richer one (signed checkpoints, say) conforms too and adds its own `facts`.
public protocol JournalVerifying: Sendable {
    func verify() async throws -> VerificationStatus
}

/// What a verification found: the chain walk's result plus facts a richer verifier adds (recorded in
/// the `audit.verify` event's detail and answered under `facts`).
public struct VerificationStatus: Sendable, Equatable {
    public var result: VerificationResult
    public var facts: [String: String]

    public init(result: VerificationResult, facts: [String: String] = [:]) {
        self.result = result
        self.facts = facts
    }
}

/// The walk of `readaudit verify`: the hash chain, the Merkle tree, and every signed checkpoint in the journal,
/// checked against the node's own public keys when a keyring is given.
public struct ChainVerification: JournalVerifying {
    public let store: JournalStore
    public let keyring: SigningKeyring?
    /// Where archive segments are, when entries were archived.
    public let archiveDirectory: String?
    public init(store: JournalStore, keyring: SigningKeyring? = nil, archiveDirectory: String? = nil) {
        self.store = store
        self.keyring = keyring
        self.archiveDirectory = archiveDirectory
    }
    public func verify() async throws -> VerificationStatus {
        let keys = keyring.flatMap { FileManager.default.fileExists(atPath: $0.publicKeysPath) ? try? $0.publicKeys() : nil }
        let evidence = VerificationEvidence(publicKeys: keys)
        let result = if let archiveDirectory {
            try await JournalVerification.verify(store, evidence: evidence, archiveDirectory: archiveDirectory)
        } else {
            try await JournalVerification.verify(store, evidence: evidence)
        }
        return VerificationStatus(
            result: result,
            facts: ["checkpoints": String(result.checkpointsVerified), "signedSize": String(result.signedSize), "signaturesChecked": String(keys != nil)])
    }
}

/// `/admin/v1/verification`: the last recorded verification (`GET`), or a new one now (`POST`), which is
/// recorded as an `audit.verify` event like the CLI's, and the request as `admin.request` (roles auditor, admin).
struct VerificationController: Sendable {
    let gate: AdminGate
    let store: JournalStore
    let verifier: any JournalVerifying

    func status(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: [])
        return await gate.handle(
            request, context: context, query: AdminQuery("verification.status", parameters: parameters.all), permission: .verification
        ) {
            try parameters.check()
            let last = try await store.latest(action: .auditVerify)
            var json = JSONText(capacity: 1024)
            json.raw("{")
            json.key("intact", first: true)
            json.raw(last.map { $0.event.outcome == .ok ? "true" : "false" } ?? "null")
            json.key("lastVerification")
            if let last { json.raw(bytes: last.jsonBytes) } else { json.raw("null") }
            json.raw("}")
            return AdminAnswer(body: json.string, detail: ["lastVerificationEventId": last?.event.id.rawValue ?? "none"])
        }
    }

    func run(_ request: Request, context: AuthenticatedContext) async -> Response {
        let parameters = AdminParameters(request, allowed: [])
        return await gate.handle(
            request, context: context, query: AdminQuery("verification.run", parameters: parameters.all), permission: .verification
        ) {
            try parameters.check()
            let (status, recorded) = try await Self.verifyAndRecord(
                verifier: verifier, recorder: gate.recorder, request: request, source: context.sourceAddress, credential: "admin:\(context.caller.name)")
            let result = status.result

            var json = JSONText(capacity: 512)
            json.raw("{")
            json.key("intact", first: true)
            json.raw(result.isIntact ? "true" : "false")
            json.key("verified")
            json.raw(String(result.verifiedCount))
            json.key("head")
            json.string(result.head.hex)
            json.key("problem")
            if let problem = result.problem {
                json.raw("{")
                json.key("sequence", first: true)
                json.raw(String(problem.sequence))
                json.key("kind")
                json.string(problem.kind.rawValue)
                json.key("message")
                json.string(problem.message)
                json.raw("}")
            } else {
                json.raw("null")
            }
            json.key("facts")
            json.stringMap(status.facts)
            json.key("verifyEventId")
            json.string(recorded.event.id.rawValue)
            json.raw("}")
            return AdminAnswer(body: json.string, detail: ["verified": String(result.verifiedCount), "intact": String(result.isIntact)])
        }
    }
}

extension VerificationController {
    /// Runs `verifier` and records the verification as an `audit.verify` event (PCI DSS 10.2.1.3), as
    /// `readaudit verify` does; the API and the console's "verify now" share it.
    static func verifyAndRecord(
        verifier: any JournalVerifying, recorder: EventRecorder, request: Request, source: String?, credential: String
    ) async throws -> (VerificationStatus, JournalEntry) {
        let status = try await verifier.verify()
        let result = status.result
        var event = recorder.draft(.auditVerify, request: request, source: source, credential: credential)
        event.outcome = result.isIntact ? .ok : .failed
        event.detail = status.facts
        event.detail["verified"] = String(result.verifiedCount)
        event.detail["head"] = result.head.hex
        if let problem = result.problem {
            event.detail["firstBadSequence"] = String(problem.sequence)
            event.detail["problem"] = problem.kind.rawValue
        }
        return (status, try await recorder.record(event))
    }
}
