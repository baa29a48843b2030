import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// Genesys Cloud's Platform API over AsyncHTTPClient: conversation lookups for the inline checks and token
/// revocation for responders, with an OAuth client-credentials token cached until shortly before expiry.
public struct GenesysClient: ConversationDirectory, TokenRevoker {
    let configuration: GenesysConfiguration
    let client: HTTPClient
    let tokens: OAuthTokenCache
    let logger: Logger

    public init(configuration: GenesysConfiguration, client: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        tokens = OAuthTokenCache(
            tokenURL: configuration.tokenURL, clientId: configuration.clientId, clientSecret: configuration.clientSecret, scope: nil,
            client: client)
    }

    /// Client settings for Genesys: its timeouts, no redirects.
    public static func clientConfiguration(for configuration: GenesysConfiguration) -> HTTPClient.Configuration {
        var client = HTTPClient.Configuration()
        client.timeout = .init(
            connect: .nanoseconds(Int64(configuration.connectTimeout / .nanoseconds(1))),
            read: .nanoseconds(Int64(configuration.readTimeout / .nanoseconds(1))))
        client.redirectConfiguration = .disallow
        return client
    }

    /// `GET /api/v2/conversations/{id}`: the conversation's state, or nil when Genesys answers 404.
    public func conversation(id: String) async throws(GenesysError) -> ConversationState? {
        let response: (status: Int, body: [UInt8])
        do {
            response = try await send(.GET, url: configuration.conversationURL(id))
        } catch let error as GenesysError {
            throw error
        } catch {
            throw GenesysError("conversation lookup failed: \(error)")
        }
        switch response.status {
        case 200: return try ConversationState.parse(response.body)
        case 404: return nil
        default: throw GenesysError("conversation lookup answered HTTP \(response.status)")
        }
    }

    /// `DELETE /api/v2/tokens/{userId}`: logs the user out of every Genesys session.
    public func revokeTokens(userId: String) async throws {
        let response = try await send(.DELETE, url: configuration.tokensURL(userId))
        guard (200..<300).contains(response.status) else {
            throw GenesysError("token revocation answered HTTP \(response.status)")
        }
        logger.notice("Revoked the Genesys tokens of a user", metadata: ["genesys.user": "\(userId)"])
    }

    /// One authorised call; a 401 drops the cached token and is retried once with a new one.
    private func send(_ method: HTTPMethod, url: String) async throws -> (status: Int, body: [UInt8]) {
        for attempt in 0..<2 {
            let token: Secret
            do { token = try await tokens.token() } catch { throw GenesysError("OAuth token request failed: \(error)") }
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer \(token.value)")
            let timeout = TimeAmount.nanoseconds(Int64((configuration.connectTimeout + configuration.readTimeout) / .nanoseconds(1)))
            let response = try await client.execute(request, timeout: timeout, logger: logger)
            let body = try await response.body.collect(upTo: 1024 * 1024)
            if response.status.code == 401 && attempt == 0 {
                await tokens.invalidate()
                continue
            }
            return (Int(response.status.code), Array(buffer: body))
        }
        throw GenesysError("Genesys refused a fresh token")
    }
}
