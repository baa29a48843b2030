/// Where and how the gateway reaches Genesys Cloud's Platform API (conversation lookups, token revocation).
public struct GenesysConfiguration: Sendable {
    /// The org's region domain, e.g. `mypurecloud.com`, `mypurecloud.ie`, `usw2.pure.cloud`.
    public var region: String
    public var clientId: String
    public var clientSecret: Secret
    /// Overrides `https://api.<region>` (tests, proxies).
    public var apiBaseURL: String?
    /// Overrides `https://login.<region>` (tests, proxies).
    public var loginBaseURL: String?
    public var connectTimeout: Duration
    public var readTimeout: Duration
    /// How long a conversation's state fetched from Genesys answers checks before it is asked again.
    public var conversationTTL: Duration

    public init(
        region: String, clientId: String, clientSecret: Secret, apiBaseURL: String? = nil, loginBaseURL: String? = nil,
        connectTimeout: Duration = .seconds(1), readTimeout: Duration = .seconds(2), conversationTTL: Duration = .seconds(30)
    ) {
        self.region = region
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.apiBaseURL = apiBaseURL
        self.loginBaseURL = loginBaseURL
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.conversationTTL = conversationTTL
    }

    /// The Platform API base, without a trailing slash.
    public var apiBase: String { Self.trimmed(apiBaseURL ?? "https://api.\(region)") }
    /// The OAuth token endpoint: `POST <login>/oauth/token`.
    public var tokenURL: String { Self.trimmed(loginBaseURL ?? "https://login.\(region)") + "/oauth/token" }

    /// `GET /api/v2/conversations/{id}`, the id percent-encoded as one path segment.
    public func conversationURL(_ conversationId: String) -> String {
        apiBase + "/api/v2/conversations/" + CRMConfiguration.encodePathSegment(conversationId)
    }

    /// `DELETE /api/v2/tokens/{userId}`.
    public func tokensURL(_ userId: String) -> String {
        apiBase + "/api/v2/tokens/" + CRMConfiguration.encodePathSegment(userId)
    }

    static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }
}

/// How one inline check acts on a failure.
public enum CheckMode: String, Sendable, CaseIterable {
    /// Not evaluated.
    case off
    /// Evaluated; a failure is served and recorded as an `alert.<check>` event.
    case alert
    /// Evaluated; a failure is refused with 403.
    case enforce
}

/// What the interaction checks do when Genesys cannot be asked (enforce mode only).
public enum GenesysUnavailablePolicy: String, Sendable, CaseIterable {
    /// Serve, and record an alert that verification was impossible.
    case allow
    /// Refuse with 403 `interaction_not_verified` (fail closed).
    case deny
}

/// The inline checks of the read path, each with its own mode.
public struct ChecksConfiguration: Sendable, Equatable {
    /// The agent is a participant (purpose `agent`) of the interaction.
    public var participant: CheckMode
    /// The interaction is live, or ended at most `recentWindow` ago.
    public var recency: CheckMode
    /// The body's agentId equals the `ININ-User-Id` header, when the header is present.
    public var agentMatch: CheckMode
    /// The agent is not on the deny list.
    public var denyList: CheckMode
    public var recentWindow: Duration
    public var onGenesysUnavailable: GenesysUnavailablePolicy

    /// Without Genesys configured the interaction checks are off; the header and deny-list checks enforce.
    public init(
        participant: CheckMode = .off, recency: CheckMode = .off, agentMatch: CheckMode = .enforce, denyList: CheckMode = .enforce,
        recentWindow: Duration = .seconds(30 * 60), onGenesysUnavailable: GenesysUnavailablePolicy = .deny
    ) {
        self.participant = participant
        self.recency = recency
        self.agentMatch = agentMatch
        self.denyList = denyList
        self.recentWindow = recentWindow
        self.onGenesysUnavailable = onGenesysUnavailable
    }

    /// True when a read needs the interaction's state.
    public var needsInteraction: Bool { participant != .off || recency != .off }
}
