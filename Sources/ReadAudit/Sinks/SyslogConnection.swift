import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// The one connection a syslog sink keeps to its server: opened on first use, reused while it lives,
/// reopened on the next send after it died.
///
/// "Written" means handed to the kernel's socket (through TLS when configured): TCP syslog has no
/// acknowledgement, so that is the strongest signal a sender gets.
actor SyslogConnection {
    /// How many frames of a burst reached the connection, and why the rest did not.
    struct Outcome: Sendable {
        var written: Int
        var failure: SyslogFailure?
    }

    private let configuration: SyslogSinkConfiguration
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private var channel: (any Channel)?
    /// Why the open channel died, once it has.
    private var cause: SyslogConnectionCause?
    private var tlsContext: NIOSSLContext?

    init(configuration: SyslogSinkConfiguration, group: MultiThreadedEventLoopGroup = .singleton, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    deinit { channel?.close(promise: nil) }

    var endpoint: String { "\(configuration.host):\(configuration.port)" }

    /// Writes `frames` in order, flushes, and waits until each is written or the first fails.
    func send(_ frames: ArraySlice<[UInt8]>) async -> Outcome {
        let channel: any Channel
        let cause: SyslogConnectionCause
        do {
            (channel, cause) = try await connected()
        } catch {
            let failure = SyslogFailure.classify(error, endpoint: endpoint)
            log(failure, written: 0, "Could not open the syslog connection; the batch stays in the journal")
            return Outcome(written: 0, failure: failure)
        }
        let (written, error) = await Self.write(frames, to: channel, timeout: timeAmount(configuration.writeTimeout))
        guard let error else { return Outcome(written: written, failure: nil) }
        // Writes on a dead channel fail with a generic "closed"; the handler kept the reason it died.
        if self.channel === channel { self.channel = nil }
        channel.close(promise: nil)
        let failure = SyslogFailure.classify(cause.error ?? error, endpoint: endpoint)
        log(failure, written: written, "Syslog connection failed during a write; it is reopened on the next delivery")
        return Outcome(written: written, failure: failure)
    }

    /// A refused connection is an operator's problem (error); anything else may pass (warning).
    private func log(_ failure: SyslogFailure, written: Int, _ message: Logger.Message) {
        let metadata: Logger.Metadata = [
            "host": "\(configuration.host)", "port": "\(configuration.port)", "written": "\(written)", "reason": "\(failure.reason)",
        ]
        switch failure {
        case .transient: logger.warning(message, metadata: metadata)
        case .refused: logger.error(message, metadata: metadata)
        }
    }

    /// Closes the connection (it is reopened by the next send).
    func close() async {
        guard let channel else { return }
        self.channel = nil
        try? await channel.close()
    }

    /// The open connection, or a new one: TCP connect, then the TLS handshake when configured.
    private func connected() async throws -> (any Channel, SyslogConnectionCause) {
        if let channel, channel.isActive {
            // A server that closed the connection since the last delivery (it stopped or restarted) has
            // sent a FIN the kernel holds but the channel's event loop may not have read yet: writing then
            // "succeeds" into a dead socket and the batch is lost. Two hops through the loop make it run at
            // least one poll for I/O after this point, so such a close is seen before anything is written.
            try? await channel.eventLoop.submit {}.get()
            try? await channel.eventLoop.submit {}.get()
        }
        if let channel, let cause, channel.isActive { return (channel, cause) }
        if let stale = channel {
            // The server closed it between deliveries. Syslog servers never close a healthy connection, and
            // what was written just before the close may not have been processed: worth a warning.
            let reason = cause?.error.map { "\($0)" } ?? "closed"
            channel = nil
            cause = nil
            stale.close(promise: nil)
            logger.warning(
                "The syslog server closed the connection since the last delivery; messages written just before the close may be lost",
                metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)", "reason": "\(reason)"])
        }
        let tls = try makeTLSContext()
        let serverName = configuration.serverName ?? configuration.host
        // SNI may not carry an IP address; without a name NIOSSL checks the certificate against the peer's IP.
        let sniName: String? = (try? SocketAddress(ipAddress: serverName, port: 0)) == nil ? serverName : nil
        let timeout = timeAmount(configuration.connectTimeout)
        // Each attempted channel (a name may resolve to several addresses) registers its readiness here;
        // the channel that wins the connect is looked up afterwards, even if it has died since.
        let attempts = SyslogConnectionAttempts()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: sniName))
                    }
                    let handler = SyslogChannelHandler(established: channel.eventLoop.makePromise(), waitsForHandshake: tls != nil)
                    attempts.register(channel, ready: handler.established.futureResult, cause: handler.cause)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        guard let (ready, cause) = attempts.lookUp(channel) else {
            channel.close(promise: nil)
            throw SyslogConnectionClosed()
        }
        do {
            try await Self.established(channel, ready: ready, timeout: timeout).get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        if let other = self.channel, let otherCause = self.cause, other.isActive {
            // Another send connected while this one waited: keep one connection.
            channel.close(promise: nil)
            return (other, otherCause)
        }
        self.channel = channel
        self.cause = cause
        logger.info(
            "Syslog connection open",
            metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)", "transport": "\(configuration.transport.rawValue)"])
        return (channel, cause)
    }

    /// The TLS context, built once from the configured files (nil for plain TCP).
    private func makeTLSContext() throws -> NIOSSLContext? {
        guard configuration.transport == .tls else { return nil }
        if let tlsContext { return tlsContext }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        // Reads one configured file, naming its key and path when it cannot.
        func load<T>(_ key: String, _ path: String, _ read: (String) throws -> T) throws -> T {
            do {
                return try read(path)
            } catch {
                throw SyslogTLSSettingsError("cannot use tls.\(key) \(path): \(error)")
            }
        }
        if let caFile = configuration.caFile {
            let roots = try load("caFile", caFile, NIOSSLCertificate.fromPEMFile)
            guard !roots.isEmpty else { throw SyslogTLSSettingsError("tls.caFile \(caFile) holds no PEM certificate") }
            tls.trustRoots = .certificates(roots)
        }
        switch (configuration.certificateFile, configuration.keyFile) {
        case (let certificateFile?, let keyFile?):
            tls.certificateChain = try load("certFile", certificateFile, NIOSSLCertificate.fromPEMFile).map { .certificate($0) }
            tls.privateKey = .privateKey(try load("keyFile", keyFile) { try NIOSSLPrivateKey(file: $0, format: .pem) })
        case (nil, nil):
            break
        default:
            throw SyslogTLSSettingsError("a client certificate needs both tls.certFile and tls.keyFile")
        }
        do {
            let context = try NIOSSLContext(configuration: tls)
            tlsContext = context
            return context
        } catch {
            throw SyslogTLSSettingsError("the TLS files do not fit together (is tls.keyFile the key of tls.certFile?): \(error)")
        }
    }

    /// Succeeds when the connection is ready for frames (at once for TCP, after the handshake for TLS);
    /// a handshake that takes longer than `timeout` fails it.
    private static func established(_ channel: any Channel, ready: EventLoopFuture<Void>, timeout: TimeAmount) -> EventLoopFuture<Void> {
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            channel.pipeline.fireErrorCaught(SyslogTimeout(operation: "TLS handshake"))
        }
        return ready.always { _ in timer.cancel() }
    }

    /// Writes each frame with its own promise, flushes once, and counts the frames written before the
    /// first failure. A write that stalls past `timeout` (a receiver that stopped reading) closes the channel.
    private static func write(_ frames: ArraySlice<[UInt8]>, to channel: any Channel, timeout: TimeAmount) async -> (Int, (any Error)?) {
        // The copies into buffers are made here, off the event loop, which other channels share.
        let buffers = frames.map { frame in
            var buffer = channel.allocator.buffer(capacity: frame.count)
            buffer.writeBytes(frame)
            return buffer
        }
        let loop = channel.eventLoop
        let results = loop.flatSubmit {
            let writes = buffers.map { channel.write($0) }
            channel.flush()
            let timer = loop.scheduleTask(in: timeout) {
                channel.pipeline.fireErrorCaught(SyslogTimeout(operation: "writing to the syslog server"))
            }
            return EventLoopFuture.whenAllComplete(writes, on: loop).always { _ in timer.cancel() }
        }
        guard let outcomes = try? await results.get() else { return (0, SyslogConnectionClosed()) }
        var written = 0
        for outcome in outcomes {
            if case .failure(let error) = outcome { return (written, error) }
            written += 1
        }
        return (written, nil)
    }
}

/// Last handler of a syslog connection: reports when it is ready, remembers why it died, and drops
/// anything the server sends (syslog receivers do not answer).
final class SyslogChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let established: EventLoopPromise<Void>
    private let waitsForHandshake: Bool
    private var settled = false
    /// The first error the connection met, or the server's close.
    let cause = SyslogConnectionCause()

    init(established: EventLoopPromise<Void>, waitsForHandshake: Bool) {
        self.established = established
        self.waitsForHandshake = waitsForHandshake
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitsForHandshake { settle(nil) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { settle(nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        cause.record(error)
        settle(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cause.record(SyslogConnectionClosed())
        settle(cause.error)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        settle(cause.error ?? SyslogConnectionClosed())
    }

    private func settle(_ error: (any Error)?) {
        guard !settled else { return }
        settled = true
        if let error { established.fail(error) } else { established.succeed(()) }
    }
}

/// The first error a connection met, written on its event loop and read by the sink after a failed write.
final class SyslogConnectionCause: Sendable {
    private let first = Mutex<(any Error)?>(nil)
    var error: (any Error)? { first.withLock { $0 } }
    func record(_ error: any Error) { first.withLock { if $0 == nil { $0 = error } } }
}

/// The channels one connect attempt created, each with its readiness and its cause box.
final class SyslogConnectionAttempts: Sendable {
    private let attempts = Mutex<[ObjectIdentifier: (ready: EventLoopFuture<Void>, cause: SyslogConnectionCause)]>([:])

    func register(_ channel: any Channel, ready: EventLoopFuture<Void>, cause: SyslogConnectionCause) {
        attempts.withLock { $0[ObjectIdentifier(channel)] = (ready, cause) }
    }

    func lookUp(_ channel: any Channel) -> (EventLoopFuture<Void>, SyslogConnectionCause)? {
        attempts.withLock { $0[ObjectIdentifier(channel)] }
    }
}
