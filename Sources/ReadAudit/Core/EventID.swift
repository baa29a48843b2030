import Foundation

/// A time-ordered unique event identifier (UUID version 7, RFC 9562), stable across every sink for de-duplication.
public struct EventID: Hashable, Sendable, CustomStringConvertible {
    /// Lower-case canonical text form, e.g. `019a7c1e-8f00-7abc-8def-0123456789ab`.
    public let rawValue: String

    public init?(rawValue: String) {
        guard Self.isCanonicalUUID(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// True for the 8-4-4-4-12 hexadecimal form (either case).
    public static func isCanonicalUUID(_ text: String) -> Bool {
        var count = 0
        for byte in text.utf8 {
            if count == 8 || count == 13 || count == 18 || count == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte) else { return false }
            }
            count += 1
            if count > 36 { return false }
        }
        return count == 36
    }

    public var description: String { rawValue }

    /// A new UUIDv7 whose first 48 bits are the Unix time in milliseconds.
    public static func make(at time: AuditTime) -> EventID {
        var bytes = [UInt8](repeating: 0, count: 16)
        let millis = UInt64(max(0, time.microseconds / 1000))
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        // Two draws, not ten: each draw of the system generator is a getrandom call.
        var random = SystemRandomNumberGenerator()
        let high = random.next() as UInt64, low = random.next() as UInt64
        for i in 6..<8 { bytes[i] = UInt8(truncatingIfNeeded: high >> (8 * (i - 6))) }
        for i in 8..<16 { bytes[i] = UInt8(truncatingIfNeeded: low >> (8 * (i - 8))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        var text = Array(ChainHash.hex(bytes).utf8)
        for position in [20, 16, 12, 8] { text.insert(UInt8(ascii: "-"), at: position) }
        return EventID(rawValue: String(decoding: text, as: UTF8.self))!
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
