import HTTPTypes
import Hummingbird

/// The shared state of the abuse limits, one per gateway process (both listeners share it).
public struct RequestGuards: Sendable {
    /// Failed authentications per source address (429 `too_many_requests`).
    public let authFailures: AuthFailureThrottle
    /// Requests per credential (429 `rate_limited`); nil when `limits.rateLimit` is off.
    public let rates: CredentialRateLimiter?
    /// CRM calls in flight (503 `overloaded`).
    public let upstream: UpstreamLimiter
    /// Which address a request is recorded from.
    public let addresses: ClientAddressResolver

    public init(configuration: ReadAuditConfiguration, clock: any MonotonicClock) {
        let limits = configuration.limits
        authFailures = AuthFailureThrottle(
            limit: limits.authFailureLimit, window: limits.authFailureWindow, maxSources: limits.maxTrackedSources, clock: clock)
        rates = limits.ratePerSecond > 0 ? CredentialRateLimiter(ratePerSecond: limits.ratePerSecond, burst: limits.rateBurst, clock: clock) : nil
        upstream = UpstreamLimiter(limit: limits.maxConcurrentUpstream)
        addresses = ClientAddressResolver(settings: configuration.proxy)
    }
}

/// Records the client's address on the context: the TCP peer, or the forwarded address when the peer is a
/// trusted proxy (`proxy.trustedProxies`). Runs first, so every event and limit uses the same address.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let resolver: ClientAddressResolver
    let header: HTTPField.Name?

    init(resolver: ClientAddressResolver) {
        self.resolver = resolver
        self.header = HTTPField.Name(resolver.header)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !resolver.trusted.isEmpty, let header else { return try await next(request, context) }
        var context = context
        context.forwardedSource = resolver.resolve(peer: context.remoteAddress?.ipAddress, forwarded: request.headers[values: header])
        return try await next(request, context)
    }
}
