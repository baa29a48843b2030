import HTTPTypes
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Why a connection's request was cut before it was read whole.
public struct RequestReadTimeout: Error, Sendable, CustomStringConvertible {
    public var description: String { "the request's body did not arrive in time" }
}

/// Cuts a request whose body has not arrived whole within `timeout` of its head: a client trickling its body
/// (slowloris) cannot hold a connection. The handler reading the body sees `RequestReadTimeout`; the
/// connection is closed. (A client trickling its headers is cut by the idle timeout: until the head is
/// complete the connection counts as idle.)
final class RequestTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let timeout: TimeAmount
    private var scheduled: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            cancel()
            scheduled = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: timeout) { [self] in
                scheduled = nil
                context.fireErrorCaught(RequestReadTimeout())
                context.close(promise: nil)
            }
        case .end:
            cancel()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancel() }

    private func cancel() {
        scheduled?.cancel()
        scheduled = nil
    }
}

@available(*, unavailable)
extension RequestTimeoutHandler: Sendable {}

/// Reports requests the HTTP parser refused (a head over `limits.maxHeaderBytes`, a malformed request line),
/// so each is recorded; the server itself answers 400 and closes the connection.
final class ProtocolErrorReporter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let report: @Sendable (_ source: String?, _ code: String) -> Void
    private var reported = false

    init(report: @escaping @Sendable (_ source: String?, _ code: String) -> Void) { self.report = report }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError, !reported {
            reported = true
            report(context.channel.remoteAddress?.ipAddress, error == .headerOverflow ? "header_too_large" : "bad_request")
        }
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension ProtocolErrorReporter: Sendable {}

extension HTTPServerBuilder {
    /// HTTP/1.1 with ReadAudit's limits (header size, idle and request timeouts), wrapped in TLS when `tls` is set.
    static func readAudit(
        tls: TLSSettings?, limits: LimitSettings, reportRejected: @escaping @Sendable (_ source: String?, _ code: String) -> Void
    ) throws -> HTTPServerBuilder {
        let requestTimeout = TimeAmount.nanoseconds(Int64(limits.requestTimeout / .nanoseconds(1)))
        let http1 = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [RequestTimeoutHandler(timeout: requestTimeout), ProtocolErrorReporter(report: reportRejected)],
                idleTimeout: .nanoseconds(Int64(limits.idleTimeout / .nanoseconds(1))),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes, maxHeaderFieldCount: 200)))
        guard let tls else { return http1 }
        return try .tls(http1, tlsConfiguration: try tls.serverConfiguration())
    }
}
