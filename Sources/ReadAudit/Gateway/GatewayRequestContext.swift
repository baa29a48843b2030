import HTTPTypes
import Hummingbird
import NIOCore

/// The context of every gateway request: the core storage, the peer's address, and, once the
/// authentication middleware has run, the caller's credential.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by `CallerAuthenticationMiddleware`; read it through `AuthenticatedContext`.
    var caller: CallerCredential?
    /// The client's address as a trusted proxy stated it; set by `ClientAddressMiddleware`.
    var forwardedSource: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        caller = nil
        forwardedSource = nil
    }

    /// The client's IP address, as recorded in events: the peer's, or the one a trusted proxy forwarded.
    var sourceAddress: String? { forwardedSource ?? remoteAddress?.ipAddress }
}

/// The context of a handler behind authentication: the caller is a non-optional field, so a handler
/// cannot forget to check it.
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let caller: CallerCredential
    public let sourceAddress: String?

    public init(context: GatewayRequestContext) throws {
        guard let caller = context.caller else {
            throw GatewayError(.unauthenticated, "Authentication required.")
        }
        self.coreContext = context.coreContext
        self.caller = caller
        self.sourceAddress = context.sourceAddress
    }
}

extension GatewayError: HTTPResponseError {
    public var status: HTTPResponse.Status { code.status }
    public func response(from request: Request, context: some RequestContext) throws -> Response { response() }
}
