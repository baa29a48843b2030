/// The inline checks of the read path as a pure function: (request, what is known, now, modes) → verdict.
/// No I/O: the caller gathers the deny-list answer and the interaction lookup first.
public struct InlineChecks: Sendable {
    /// The checks, named as in `alert.<name>` events and the read event's detail.
    public enum Check: String, Sendable, CaseIterable {
        case agentBlocked = "agent_blocked"
        case agentMismatch = "agent_mismatch"
        case interactionNotVerified = "interaction_not_verified"
        case interactionUnverifiable = "interaction_unverifiable"
    }

    /// One failed check: which, in what mode, and why (for the alert event; no customer data).
    public struct Finding: Sendable, Equatable {
        public var check: Check
        public var mode: CheckMode
        public var reason: String
    }

    /// The outcome: the findings, the refusal (if any check enforces), and facts for the read event's detail.
    public struct Verdict: Sendable, Equatable {
        public var findings: [Finding] = []
        public var refusal: GatewayError?
        public var detail: [String: String] = [:]
        /// Findings served anyway: each becomes an `alert.<check>` event.
        public var alerts: [Finding] { refusal == nil ? findings : findings.filter { $0.mode == .alert } }
    }

    public let configuration: ChecksConfiguration

    public init(configuration: ChecksConfiguration) { self.configuration = configuration }

    /// Evaluates every enabled check. `interaction` is nil when the interaction checks are off.
    public func evaluate(
        _ request: CustomerDataRequest, userIdHeader: String?, isBlocked: Bool, interaction: InteractionLookup?, now: AuditTime
    ) -> Verdict {
        var verdict = Verdict()
        func fail(_ check: Check, _ mode: CheckMode, _ reason: String, _ code: GatewayError.Code, _ message: String) {
            verdict.findings.append(Finding(check: check, mode: mode, reason: reason))
            if mode == .enforce, verdict.refusal == nil { verdict.refusal = GatewayError(code, message) }
        }
        if configuration.denyList != .off {
            verdict.detail["agentBlocked"] = isBlocked ? "yes" : "no"
            if isBlocked {
                fail(.agentBlocked, configuration.denyList, "the agent is on the deny list", .agentBlocked, "This agent is blocked from reading customer data.")
            }
        }
        if configuration.agentMatch != .off, let header = userIdHeader {
            let matches = header.lowercased() == request.agentId.lowercased()
            verdict.detail["agentMatchesHeader"] = matches ? "yes" : "no"
            if !matches {
                fail(.agentMismatch, configuration.agentMatch, "agentId differs from ININ-User-Id", .agentMismatch,
                     "agentId does not match the Genesys user making the call.")
            }
        }
        guard configuration.needsInteraction, let interaction else { return verdict }
        switch interaction {
        case .unavailable:
            verdict.detail["interactionVerified"] = "unknown"
            let enforcing = configuration.participant == .enforce || configuration.recency == .enforce
            if enforcing && configuration.onGenesysUnavailable == .deny {
                fail(.interactionUnverifiable, .enforce, "Genesys could not be asked; onGenesysUnavailable is deny", .interactionNotVerified,
                     "The interaction could not be verified with Genesys; retry shortly.")
            } else {
                fail(.interactionUnverifiable, .alert, "Genesys could not be asked; the read was allowed unverified", .interactionNotVerified, "")
            }
        case .notFound:
            verdict.detail["interactionVerified"] = "no"
            verdict.detail["interactionSource"] = "genesys"
            let mode: CheckMode = configuration.participant == .enforce || configuration.recency == .enforce ? .enforce : .alert
            fail(.interactionNotVerified, mode, "Genesys does not know the interaction", .interactionNotVerified,
                 "This agent has no live or recent part in this interaction.")
        case .known(let state, let source):
            verdict.detail["interactionSource"] = source.rawValue
            let segments = state.agentSegments(of: request.agentId.lowercased())
                + (request.agentId.lowercased() == request.agentId ? [] : state.agentSegments(of: request.agentId))
            var reasons: [(CheckMode, String)] = []
            if configuration.participant != .off && segments.isEmpty {
                reasons.append((configuration.participant, "the agent is not an agent participant of the interaction"))
            }
            if configuration.recency != .off && !segments.isEmpty {
                // Live while the conversation and one of the agent's segments are open; else the latest end counts.
                let ends = segments.map { $0.endTime ?? state.endTime }
                let ended: AuditTime? = ends.contains(where: { $0 == nil }) ? nil : ends.compactMap { $0 }.max()
                if let ended {
                    let minutes = (now.microseconds - ended.microseconds) / 60_000_000
                    verdict.detail["interactionEndedMinutesAgo"] = String(max(0, minutes))
                    if now.microseconds - ended.microseconds > Int64(configuration.recentWindow / .microseconds(1)) {
                        reasons.append((configuration.recency, "the interaction ended \(minutes) minutes ago"))
                    }
                } else {
                    verdict.detail["interactionLive"] = "yes"
                }
            }
            verdict.detail["interactionVerified"] = reasons.isEmpty ? "yes" : "no"
            for (mode, reason) in reasons {
                fail(.interactionNotVerified, mode, reason, .interactionNotVerified,
                     "This agent has no live or recent part in this interaction.")
            }
        }
        return verdict
    }
}
