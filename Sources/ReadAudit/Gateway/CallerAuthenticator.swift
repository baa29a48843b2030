import Crypto
import Foundation

/// A secret that never prints: its description is `<redacted>`.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// An integration credential as configured: a name, the SHA-256 of its key, and what it may see.
public struct CallerCredential: Sendable, Equatable {
    public var name: String
    /// SHA-256 of the key; the key itself is never stored.
    public var keyHash: [UInt8]
    /// The CRM fields (after flattening) this credential may receive; nil means every field.
    public var allowedFields: Set<String>?
    /// Masks for this credential, on top of the deployment's masks.
    public var masks: [String: MaskRule]

    public init(name: String, keyHash: [UInt8], allowedFields: Set<String>? = nil, masks: [String: MaskRule] = [:]) {
        self.name = name
        self.keyHash = keyHash
        self.allowedFields = allowedFields
        self.masks = masks
    }

    /// Parses the configured `sha256:<64 hex digits>` form.
    public static func parseHash(_ text: String) -> [UInt8]? {
        guard text.hasPrefix("sha256:"), let hash = ChainHash(hex: String(text.dropFirst(7))) else { return nil }
        return hash.bytes
    }

    /// The configured form of a key's hash: `sha256:<hex>`.
    public static func hashText(ofKey key: String) -> String {
        "sha256:" + ChainHash(bytes: Array(SHA256.hash(data: Data(key.utf8))))!.hex
    }

    /// A new random key (256 bits, URL-safe) for `readaudit keys create`.
    public static func generateKey() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "ra_" + base64
    }
}

/// Checks the `Authorization` header of a caller: HTTP Basic (name and key) or `Bearer <key>`.
///
/// Every configured credential is compared, in constant time, whatever matches first: the time taken
/// says nothing about which part was wrong.
public struct CallerAuthenticator: Sendable {
    let credentials: [CallerCredential]

    public init(credentials: [CallerCredential]) { self.credentials = credentials }

    /// The credential the header proves, or nil.
    public func authenticate(authorization: String?) -> CallerCredential? {
        guard let authorization else { return nil }
        let (scheme, rest) = Self.split(authorization)
        var username: String?
        let key: String
        switch scheme.lowercased() {
        case "bearer":
            key = rest
        case "basic":
            guard let decoded = Data(base64Encoded: rest).flatMap({ String(data: $0, encoding: .utf8) }),
                let colon = decoded.firstIndex(of: ":")
            else { return nil }
            username = String(decoded[..<colon])
            key = String(decoded[decoded.index(after: colon)...])
        default:
            return nil
        }
        return authenticate(username: username, key: key)
    }

    /// The credential a name and key prove (the console's sign-in form), or nil.
    func authenticate(name: String, key: String) -> CallerCredential? {
        authenticate(username: name, key: key)
    }

    private func authenticate(username: String?, key: String) -> CallerCredential? {
        guard !key.isEmpty else { return nil }
        let digest = Array(SHA256.hash(data: Data(key.utf8)))
        var found: CallerCredential?
        for credential in credentials {
            let hashMatches = Self.constantTimeEqual(digest, credential.keyHash)
            let nameMatches = username.map { Self.constantTimeEqual(Array($0.utf8), Array(credential.name.utf8)) } ?? true
            if hashMatches && nameMatches && found == nil { found = credential }
        }
        return found
    }

    static func split(_ header: String) -> (String, String) {
        let trimmed = trimOWS(Substring(header))
        guard let space = trimmed.firstIndex(of: " ") else { return (String(trimmed), "") }
        return (String(trimmed[..<space]), String(trimOWS(trimmed[space...])))
    }

    /// Strips HTTP's optional whitespace (space and tab, RFC 9110 §5.6.3) from both ends; Foundation's
    /// `trimmingCharacters(in: .whitespaces)` cost more than the rest of authentication but the hash.
    static func trimOWS(_ text: Substring) -> Substring {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return text[text.endIndex...] }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return Substring(utf8[first...last])
    }

    /// Compares without an early exit; lengths are not secret (hashes are all 32 bytes).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
