import Foundation

/// A listener's TLS: the server's certificate chain and key (PEM files), and optionally the CA whose client
/// certificates it accepts (mutual TLS).
public struct TLSSettings: Sendable, Equatable {
    /// PEM file with the server certificate, then any intermediates.
    public var certificateFile: String
    /// PEM file with the server's private key.
    public var keyFile: String
    /// PEM file of the CA(s) that sign client certificates; a presented certificate must chain to it.
    public var clientCAFile: String?
    /// Refuse the TLS handshake of a client that presents no certificate (needs `clientCAFile`).
    public var requireClientCertificate = false

    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil, requireClientCertificate: Bool = false) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
        self.requireClientCertificate = requireClientCertificate
    }
}

/// A separate listener for the admin API (`admin: {listen: {host, port}, tls: {...}}`). When it is set, the
/// gateway's own listener serves no `/admin` route.
public struct AdminListenerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8443
    public var tls: TLSSettings?
    public init(host: String = "127.0.0.1", port: Int = 8443, tls: TLSSettings? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}

/// Plain-HTTP mode behind a TLS-terminating proxy: which peers may state the client's address, and in which header.
public struct ProxySettings: Sendable {
    /// Peers (addresses or CIDR ranges) whose forwarded-address header is believed. Empty: never believed.
    public var trustedProxies: [IPAddressRange] = []
    /// The header carrying the client's address, `X-Forwarded-For` syntax (comma-separated, right-most is nearest).
    public var header = "X-Forwarded-For"
    public init() {}
}

/// Abuse limits on both listeners (`limits:`).
public struct LimitSettings: Sendable {
    /// The largest request head (request line and all header fields) a client may send; past it, 400 and close.
    public var maxHeaderBytes = 16 * 1024
    /// A connection with no complete request head for this long is closed (keep-alive idle, and a client
    /// trickling its headers).
    public var idleTimeout: Duration = .seconds(30)
    /// A request's body must arrive within this long of its head, or the connection is cut (408, recorded).
    public var requestTimeout: Duration = .seconds(15)
    /// CRM calls in flight at once; a read past it is refused at once with 503 `overloaded`.
    public var maxConcurrentUpstream = 64
    /// Failed authentications from one source address within `authFailureWindow` before it gets 429.
    public var authFailureLimit = 20
    public var authFailureWindow: Duration = .seconds(60)
    /// Per-credential requests per second (token bucket); 0 turns the limit off.
    public var ratePerSecond: Double = 0
    /// The bucket's size: how many requests a credential may make at once.
    public var rateBurst = 0
    /// Source addresses the failed-authentication throttle remembers at most (bounded memory).
    public var maxTrackedSources = 10_000
    public init() {}
}

/// Wall-clock supervision (`clock:`): a step of the system clock is recorded as a `clock.jump` event.
public struct ClockSettings: Sendable {
    /// How far the wall clock may drift from the monotonic clock between two commits before it is a jump.
    public var jumpTolerance: Duration = .seconds(1)
    public init() {}
}

extension ReadAuditConfiguration {
    /// Reads `listen.tls`, `admin`, `proxy`, `limits` and `clock`.
    mutating func applyHardening(_ top: YAMLMap, baseDirectory: String) throws {
        func file(_ path: String) -> String {
            path.hasPrefix("/") || baseDirectory.isEmpty ? path : (baseDirectory as NSString).appendingPathComponent(path)
        }
        func tlsSettings(_ map: YAMLMap) throws -> TLSSettings {
            try map.allowOnly(["certificate", "key", "clientCA", "requireClientCertificate"])
            guard let certificate = try map.string("certificate"), let key = try map.string("key") else {
                throw map.error("certificate", "and key are both required (PEM files)")
            }
            return TLSSettings(
                certificateFile: file(certificate), keyFile: file(key), clientCAFile: try map.string("clientCA").map(file),
                requireClientCertificate: try map.bool("requireClientCertificate") ?? false)
        }
        if let listen = try top.map("listen"), let tls = try listen.map("tls") {
            self.tls = try tlsSettings(tls)
        }
        if let map = try top.map("admin") {
            try map.allowOnly(["listen", "tls"])
            var admin = AdminListenerSettings()
            if let listen = try map.map("listen") {
                try listen.allowOnly(["host", "port"])
                if let value = try listen.string("host") { admin.host = value }
                if let value = try listen.int("port") { admin.port = value }
            }
            if let tls = try map.map("tls") { admin.tls = try tlsSettings(tls) }
            self.admin = admin
        }
        if let map = try top.map("proxy") {
            try map.allowOnly(["trustedProxies", "header"])
            if let list = try map.list("trustedProxies") {
                proxy.trustedProxies = try list.enumerated().map { index, node in
                    let text = try YAMLMap.scalar(node, path: "proxy.trustedProxies[\(index)]")
                    guard let range = IPAddressRange(text) else {
                        throw ConfigurationError("proxy.trustedProxies[\(index)] must be an IP address or CIDR range (got \(text))")
                    }
                    return range
                }
            }
            if let value = try map.string("header") { proxy.header = value }
        }
        if let map = try top.map("limits") {
            try map.allowOnly([
                "maxHeaderBytes", "idleTimeoutMs", "requestTimeoutMs", "maxConcurrentUpstream", "authFailures", "rateLimit", "maxTrackedSources",
            ])
            if let value = try map.int("maxHeaderBytes") { limits.maxHeaderBytes = value }
            if let value = try map.int("idleTimeoutMs") { limits.idleTimeout = .milliseconds(value) }
            if let value = try map.int("requestTimeoutMs") { limits.requestTimeout = .milliseconds(value) }
            if let value = try map.int("maxConcurrentUpstream") { limits.maxConcurrentUpstream = value }
            if let value = try map.int("maxTrackedSources") { limits.maxTrackedSources = value }
            if let auth = try map.map("authFailures") {
                try auth.allowOnly(["limit", "windowSeconds"])
                if let value = try auth.int("limit") { limits.authFailureLimit = value }
                if let value = try auth.int("windowSeconds") { limits.authFailureWindow = .seconds(value) }
            }
            if let rate = try map.map("rateLimit") {
                try rate.allowOnly(["requestsPerSecond", "burst"])
                if let text = try rate.string("requestsPerSecond") {
                    guard let value = Double(text), value >= 0, value.isFinite else {
                        throw rate.error("requestsPerSecond", "must be a number, 0 or more")
                    }
                    limits.ratePerSecond = value
                }
                if let value = try rate.int("burst") { limits.rateBurst = value }
            }
        }
        if let map = try top.map("clock") {
            try map.allowOnly(["jumpToleranceMs"])
            if let value = try map.int("jumpToleranceMs") { clock.jumpTolerance = .milliseconds(value) }
        }
    }

    func validateHardening() throws {
        for (name, settings) in [("listen.tls", tls), ("admin.tls", admin?.tls)] {
            guard let settings else { continue }
            if settings.requireClientCertificate && settings.clientCAFile == nil {
                throw ConfigurationError("\(name).requireClientCertificate needs \(name).clientCA")
            }
        }
        if let admin {
            guard (0...65535).contains(admin.port) else { throw ConfigurationError("admin.listen.port must be between 0 and 65535") }
            if admin.port != 0 && admin.port == port && admin.host == host {
                throw ConfigurationError("admin.listen must differ from listen")
            }
        }
        guard !proxy.header.isEmpty, proxy.header.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw ConfigurationError("proxy.header must be a header name")
        }
        guard (1024...1_048_576).contains(limits.maxHeaderBytes) else { throw ConfigurationError("limits.maxHeaderBytes must be between 1024 and 1048576") }
        guard limits.idleTimeout > .zero, limits.requestTimeout > .zero else {
            throw ConfigurationError("limits.idleTimeoutMs and limits.requestTimeoutMs must be positive")
        }
        guard limits.maxConcurrentUpstream >= 1 else { throw ConfigurationError("limits.maxConcurrentUpstream must be at least 1") }
        guard limits.authFailureLimit >= 1, limits.authFailureWindow > .zero else {
            throw ConfigurationError("limits.authFailures needs limit ≥ 1 and windowSeconds ≥ 1")
        }
        guard limits.ratePerSecond == 0 || limits.rateBurst >= 1 else {
            throw ConfigurationError("limits.rateLimit.burst must be at least 1 when requestsPerSecond is set")
        }
        guard limits.maxTrackedSources >= 1 else { throw ConfigurationError("limits.maxTrackedSources must be at least 1") }
        guard clock.jumpTolerance > .zero else { throw ConfigurationError("clock.jumpToleranceMs must be positive") }
    }
}
