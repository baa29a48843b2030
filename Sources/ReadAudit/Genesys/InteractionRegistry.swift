import Synchronization

/// Asks Genesys for a conversation's state. `nil` means Genesys does not know the conversation (404).
public protocol ConversationDirectory: Sendable {
    func conversation(id: String) async throws(GenesysError) -> ConversationState?
}

/// What the registry can say about an interaction at read time.
public enum InteractionLookup: Sendable, Equatable {
    /// The state is known (pushed events, or Genesys answered within the TTL).
    case known(ConversationState, source: Source)
    /// Genesys says there is no such conversation.
    case notFound
    /// Nobody could be asked (no directory) or Genesys failed; the detail is for the log.
    case unavailable(String)

    /// Where a known state came from, recorded in the read event.
    public enum Source: String, Sendable { case pushed, genesys }
}

/// The live interactions the gateway knows: conversation → agent participations, from pushed events, plus
/// conversation states fetched from Genesys on a miss, cached for a TTL. Conversation state only, never
/// customer data. Reads are a lock and a dictionary lookup.
public final class InteractionRegistry: Sendable {
    private struct Entry {
        /// Per user: (start, end) of their participation, from pushed events.
        var pushed: [String: (start: AuditTime?, end: AuditTime?)] = [:]
        var fetched: (state: ConversationState?, expires: AuditTime)?
        var lastTouched: AuditTime
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let directory: (any ConversationDirectory)?
    private let ttl: Duration
    /// Pushed conversations not touched for this long are forgotten, so the map stays small.
    private let retention: Duration

    public init(directory: (any ConversationDirectory)?, ttl: Duration = .seconds(30), retention: Duration = .seconds(4 * 3600)) {
        self.directory = directory
        self.ttl = ttl
        self.retention = retention
    }

    /// Applies a pushed start or end event.
    public func apply(_ event: InteractionEvent, now: AuditTime) {
        entries.withLock { entries in
            let conversationId = event.conversationId.lowercased(), userId = event.userId.lowercased()
            var entry = entries[conversationId] ?? Entry(lastTouched: now)
            var span = entry.pushed[userId] ?? (nil, nil)
            switch event.kind {
            case .start:
                span.start = event.eventTime
                if let end = span.end, end < event.eventTime { span.end = nil }  // rejoined after leaving
            case .end:
                span.end = event.eventTime
            }
            entry.pushed[userId] = span
            entry.lastTouched = now
            entries[conversationId] = entry
            if entries.count > 50_000 { Self.prune(&entries, before: now.adding(retention, negative: true)) }
        }
    }

    /// The registry's answer without any I/O: pushed participation of `agentId`, or a fresh fetched state.
    public func cached(conversationId: String, agentId: String, now: AuditTime) -> InteractionLookup? {
        let agentId = agentId.lowercased()
        return entries.withLock { entries in
            guard let entry = entries[conversationId.lowercased()] else { return nil }
            if let span = entry.pushed[agentId] {
                let state = ConversationState(
                    startTime: span.start, endTime: span.end,
                    participants: [.init(purpose: "agent", userId: agentId, startTime: span.start, endTime: span.end)])
                return .known(state, source: .pushed)
            }
            if let fetched = entry.fetched, now < fetched.expires {
                return fetched.state.map { .known($0, source: .genesys) } ?? .notFound
            }
            return nil
        }
    }

    /// The registry's answer, asking Genesys on a miss (and caching its answer for the TTL).
    /// A pushed record that does not name the agent is confirmed with Genesys: events can be lost.
    public func lookup(conversationId: String, agentId: String, now: AuditTime) async -> InteractionLookup {
        if let known = cached(conversationId: conversationId, agentId: agentId, now: now) { return known }
        guard let directory else { return .unavailable("no Genesys client is configured") }
        let state: ConversationState?
        do {
            state = try await directory.conversation(id: conversationId)
        } catch {
            return .unavailable(error.detail)
        }
        let expires = now.adding(ttl)
        entries.withLock { entries in
            var entry = entries[conversationId.lowercased()] ?? Entry(lastTouched: now)
            entry.fetched = (state, expires)
            entry.lastTouched = now
            entries[conversationId.lowercased()] = entry
        }
        return state.map { .known($0, source: .genesys) } ?? .notFound
    }

    /// Conversations currently held (pushed or fetched).
    public var count: Int { entries.withLock { $0.count } }

    private static func prune(_ entries: inout [String: Entry], before cutoff: AuditTime) {
        entries = entries.filter { $0.value.lastTouched >= cutoff }
    }
}

extension AuditTime {
    /// This time moved by `duration` (backwards when `negative`).
    func adding(_ duration: Duration, negative: Bool = false) -> AuditTime {
        let micros = Int64(duration / .microseconds(1))
        return AuditTime(microseconds: microseconds + (negative ? -micros : micros))
    }
}
