import AsyncHTTPClient
import Foundation
import NIOCore

/// An OAuth 2.0 client-credentials token, fetched once and reused until shortly before it expires.
actor OAuthTokenCache {
    private let tokenURL: String
    private let clientId: String
    private let clientSecret: Secret
    private let scope: String?
    private let client: HTTPClient
    private var cached: (token: Secret, expires: ContinuousClock.Instant)?
    private var inFlight: Task<(Secret, ContinuousClock.Instant), any Error>?

    init(tokenURL: String, clientId: String, clientSecret: Secret, scope: String?, client: HTTPClient) {
        self.tokenURL = tokenURL
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.scope = scope
        self.client = client
    }

    func token() async throws -> Secret {
        if let cached, ContinuousClock.now < cached.expires { return cached.token }
        if let inFlight { return try await inFlight.value.0 }
        let task = Task { try await fetch() }
        inFlight = task
        defer { inFlight = nil }
        let fetched = try await task.value
        cached = (fetched.0, fetched.1)
        return fetched.0
    }

    func invalidate() { cached = nil }

    /// application/x-www-form-urlencoded: unreserved characters as they are, everything else %XX.
    static func formEncode(_ text: String) -> String { CRMConfiguration.encodePathSegment(text) }

    private func fetch() async throws -> (Secret, ContinuousClock.Instant) {
        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        // RFC 6749 2.3.1: the id and secret are form-encoded before they are joined for Basic auth.
        let basic = Data("\(Self.formEncode(clientId)):\(Self.formEncode(clientSecret.value))".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(basic)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        var form = "grant_type=client_credentials"
        if let scope { form += "&scope=" + Self.formEncode(scope) }
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: .seconds(10))
        guard response.status.code == 200 else {
            throw CustomerSourceError(.failed, "OAuth token endpoint answered HTTP \(response.status.code)")
        }
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard let members = (try? JSONParser.parse(Array(buffer: body)))?.objectMembers,
            case .string(let token)? = members.first(where: { $0.0 == "access_token" })?.1
        else { throw CustomerSourceError(.failed, "OAuth token response has no access_token") }
        var lifetime = 3600
        if case .number(let text)? = members.first(where: { $0.0 == "expires_in" })?.1, let seconds = Double(text), seconds.isFinite {
            // A token endpoint's number is not trusted either: a day at most, a second at least.
            lifetime = Int(min(max(seconds, 1), 86_400))
        }
        // Renew a little early so a token never expires between our check and the CRM's.
        let margin = min(30, lifetime / 10)
        return (Secret(token), ContinuousClock.now + .seconds(max(1, lifetime - margin)))
    }
}
