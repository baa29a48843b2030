import Foundation

/// A time-ordered unique event identifier (UUID version 7, RFC 9562), stable across every sink for de-duplication.
public struct EventID: Hashable, Sendable, CustomStringConvertible {
    /// Lower-case canonical text form, e.g. `019a7c1e-8f00-7abc-8def-0123456789ab`.
    public let rawValue: String

    public init?(rawValue: String) {
        guard rawValue.utf8.count == 36, UUID(uuidString: rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// A new UUIDv7 whose first 48 bits are the Unix time in milliseconds.
    public static func make(at time: AuditTime) -> EventID {
        var bytes = [UInt8](repeating: 0, count: 16)
        let millis = UInt64(max(0, time.microseconds / 1000))
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        var random = SystemRandomNumberGenerator()
        for i in 6..<16 { bytes[i] = random.next() }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }
        let text = hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
        return EventID(rawValue: text)!
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
