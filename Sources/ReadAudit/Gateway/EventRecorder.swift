import HTTPTypes
import Hummingbird

/// Builds the audit events of the read path and appends them: the one place that knows an event's
/// common fields (node, clock, caller, origin, Genesys headers).
public struct EventRecorder: Sendable {
    public let journal: any AuditJournal
    public let node: String
    public let clock: any WallClock

    public init(journal: any AuditJournal, node: String, clock: any WallClock) {
        self.journal = journal
        self.node = node
        self.clock = clock
    }

    /// The Genesys context headers kept in events, by lower-cased name.
    static let genesysHeaders: [HTTPField.Name] = [
        HTTPField.Name("ININ-Correlation-Id")!, HTTPField.Name("ININ-User-Id")!,
        HTTPField.Name("ININ-Organization-Id")!, HTTPField.Name("ININ-Home-Organization-Id")!,
    ]

    /// A new event for `action`, stamped now, carrying the request's origin and Genesys headers.
    func draft(_ action: AuditAction, request: Request, source: String?, credential: String?) -> AuditEventDraft {
        let time = clock.now()
        var genesys: [String: String] = [:]
        for name in Self.genesysHeaders {
            if let value = request.headers[name] { genesys[name.canonicalName] = String(value.prefix(128)) }
        }
        return AuditEventDraft(
            id: EventID.make(at: time), time: time, node: node, action: action, outcome: .invalid,
            credential: credential, source: source, genesys: genesys)
    }

    /// Appends `event` durably; a failure becomes 503 `audit_unavailable`.
    func record(_ event: AuditEventDraft) async throws(GatewayError) -> JournalEntry {
        do {
            return try await journal.append(event)
        } catch {
            throw GatewayError(.auditUnavailable, "The audit journal cannot record this request; nothing was served. Retry later.")
        }
    }
}
