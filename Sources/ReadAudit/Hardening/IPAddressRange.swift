import Foundation

/// An IPv4 or IPv6 address or CIDR range (`10.0.0.0/8`, `::1`), for the trusted-proxy list.
public struct IPAddressRange: Sendable, Equatable, CustomStringConvertible {
    /// The network's bytes (4 or 16) and prefix length.
    let network: [UInt8]
    let prefix: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.parse(String(parts[0])) else { return nil }
        let bits = address.count * 8
        let prefix: Int
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value) else { return nil }
            prefix = value
        } else {
            prefix = bits
        }
        self.network = Self.masked(address, prefix: prefix)
        self.prefix = prefix
        self.description = text
    }

    /// Whether `address` (textual) is inside the range; IPv4-mapped IPv6 addresses count as IPv4.
    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.parse(address) else { return false }
        return contains(bytes: bytes)
    }

    func contains(bytes: [UInt8]) -> Bool {
        bytes.count == network.count && Self.masked(bytes, prefix: prefix) == network
    }

    /// The address's bytes: 4 for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; nil if it is not an address.
    static func parse(_ text: String) -> [UInt8]? {
        var text = text.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }

    static func masked(_ bytes: [UInt8], prefix: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, prefix - index * 8))
            return keep == 0 ? 0 : byte & UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
    }
}

/// Decides the client address a request is recorded with: the TCP peer, or, when the peer is a trusted proxy,
/// the right-most address in its forwarded header that is not itself a trusted proxy.
public struct ClientAddressResolver: Sendable {
    public let trusted: [IPAddressRange]
    public let header: String

    public init(settings: ProxySettings) {
        trusted = settings.trustedProxies
        header = settings.header
    }

    func isTrusted(_ address: String) -> Bool { trusted.contains { $0.contains(address) } }

    /// The address to record for a request from `peer` carrying `forwarded` (the header's values, in order).
    public func resolve(peer: String?, forwarded: [String]) -> String? {
        guard let peer, !trusted.isEmpty, isTrusted(peer), !forwarded.isEmpty else { return peer }
        var candidate = peer
        let hops = forwarded.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            // A hop that is not an address ends the walk: what lies left of it cannot be trusted.
            guard let bytes = IPAddressRange.parse(hop) else { break }
            candidate = Self.format(bytes) ?? hop
            if !trusted.contains(where: { $0.contains(bytes: bytes) }) { break }
        }
        return candidate
    }

    /// The canonical text of an address (so `::ffff:10.0.0.1` is recorded as `10.0.0.1`).
    static func format(_ bytes: [UInt8]) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { return nil }
        return String(cString: buffer)
    }
}
