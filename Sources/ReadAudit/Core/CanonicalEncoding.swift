import Crypto
import Foundation

/// A SHA-256 link of the journal's hash chain (also a Merkle node): 32 bytes held inline, so hashing
/// millions of them (verify, the Merkle tree) allocates nothing.
public struct ChainHash: Hashable, Sendable, CustomStringConvertible {
    // The 32 bytes in memory order.
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    private init() {}

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var hash = ChainHash()
        withUnsafeMutableBytes(of: &hash) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        self = hash
    }

    /// The hash held in 32 bytes at `pointer`.
    public init(loading pointer: UnsafeRawPointer) {
        var hash = ChainHash()
        withUnsafeMutableBytes(of: &hash) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: 32)) }
        self = hash
    }

    /// A SHA-256 digest as a hash.
    public init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { ChainHash(loading: $0.baseAddress!) }
    }

    /// The 32 bytes (allocates; hot paths use `withUnsafeBytes`).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 32 bytes, without copying them.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(32))) }
    }

    public init?(hex: String) {
        guard hex.utf8.count == 64 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        self.init(bytes: out)
    }

    /// The previous hash of the first event of a journal.
    public static let genesis = ChainHash(bytes: [UInt8](repeating: 0, count: 32))!

    public var hex: String { withUnsafeBytes { Self.hex($0) } }

    /// Lower-case hexadecimal of any bytes.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}

/// The frozen byte encoding of an event that the chain hashes. Version 1; see docs/canonical-encoding.md.
///
/// Changing a single byte here changes every hash ever written, so the golden vectors in
/// `CanonicalEncodingTests` must never be edited: a new encoding is a new version with a new tag.
public enum CanonicalEncoding {
    /// The first field of every v1 encoding.
    public static let versionTag = "readaudit.event.v1"

    /// The bytes hashed for `event` at `sequence` after `previousHash`.
    public static func encode(_ event: AuditEventDraft, sequence: Int64, previousHash: ChainHash) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(512)
        out.appendString(versionTag)
        out.appendInt64(sequence)
        out.appendString(event.id.rawValue)
        out.appendInt64(event.time.microseconds)
        out.appendString(event.node)
        out.appendString(event.action.rawValue)
        out.appendString(event.outcome.rawValue)
        out.appendOptional(event.code)
        out.appendOptional(event.credential)
        out.appendOptional(event.agent)
        out.appendOptional(event.interaction)
        out.appendOptional(event.customer)
        out.appendList(event.fields)
        out.appendList(event.masked)
        out.appendOptional(event.source)
        out.appendMap(event.genesys)
        out.appendMap(event.detail)
        previousHash.withUnsafeBytes { out.appendBytes($0) }
        return out
    }

    /// SHA-256 of the canonical encoding.
    public static func hash(of event: AuditEventDraft, sequence: Int64, previousHash: ChainHash) -> ChainHash {
        ChainHash(SHA256.hash(data: encode(event, sequence: sequence, previousHash: previousHash)))
    }
}

extension [UInt8] {
    fileprivate mutating func appendUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    fileprivate mutating func appendInt64(_ value: Int64) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    fileprivate mutating func appendBytes(_ bytes: some Collection<UInt8>) {
        appendUInt32(UInt32(bytes.count))
        append(contentsOf: bytes)
    }

    fileprivate mutating func appendString(_ string: String) {
        appendBytes(string.utf8)
    }

    fileprivate mutating func appendOptional(_ string: String?) {
        if let string {
            append(1)
            appendString(string)
        } else {
            append(0)
        }
    }

    fileprivate mutating func appendList(_ list: [String]) {
        appendUInt32(UInt32(list.count))
        for item in list { appendString(item) }
    }

    fileprivate mutating func appendMap(_ map: [String: String]) {
        appendUInt32(UInt32(map.count))
        for key in map.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            appendString(key)
            appendString(map[key]!)
        }
    }
}
