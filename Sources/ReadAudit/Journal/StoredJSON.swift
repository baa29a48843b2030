/// The journal's list and map columns read in place, for rows exactly as `JSONText` writes them: strings
/// without escapes or control characters, no spaces, map keys strictly ascending in UTF-8 byte order.
/// Anything else is declined (false), and the caller decodes the row the general way.
enum StoredJSON {
    /// The contents of a JSON string starting at `index` (just after its quote); `index` ends after the
    /// closing quote.
    private static func plainString(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> UnsafeRawBufferPointer? {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    /// Calls `item` with each string of `["a","b"]`.
    static func scanList(_ bytes: UnsafeRawBufferPointer, _ item: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "["), bytes[bytes.count - 1] == UInt8(ascii: "]") else { return false }
        var position = 1
        var first = true
        while position < bytes.count - 1 {
            if !first {
                guard bytes[position] == UInt8(ascii: ",") else { return false }
                position += 1
            }
            first = false
            guard position < bytes.count - 1, bytes[position] == UInt8(ascii: "\"") else { return false }
            position += 1
            guard let value = plainString(bytes, &position) else { return false }
            item(value)
        }
        return position == bytes.count - 1
    }

    /// Calls `pair` with each key and value of `{"k":"v"}`.
    static func scanMap(_ bytes: UnsafeRawBufferPointer, _ pair: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) -> Bool {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "{"), bytes[bytes.count - 1] == UInt8(ascii: "}") else { return false }
        var previous: UnsafeRawBufferPointer?
        var position = 1
        while position < bytes.count - 1 {
            if previous != nil {
                guard bytes[position] == UInt8(ascii: ",") else { return false }
                position += 1
            }
            guard position < bytes.count - 1, bytes[position] == UInt8(ascii: "\"") else { return false }
            position += 1
            guard let key = plainString(bytes, &position), position < bytes.count - 1, bytes[position] == UInt8(ascii: ":") else { return false }
            position += 1
            guard position < bytes.count - 1, bytes[position] == UInt8(ascii: "\"") else { return false }
            position += 1
            guard let value = plainString(bytes, &position) else { return false }
            if let previous, !previous.lexicographicallyPrecedes(key) { return false }
            pair(key, value)
            previous = key
        }
        return position == bytes.count - 1
    }
}
