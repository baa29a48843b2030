import Crypto
import Foundation

/// The checkpoint signing keys on disk, in a directory only the gateway's user can read:
///
/// - `checkpoint-signing.key` (mode 0600): the current private key, `readaudit-ed25519-private <keyid> <base64 seed>`;
/// - `checkpoint-public-keys.txt`: every public key this node ever signed with, one per line,
///   `readaudit-ed25519 <keyid> <base64 key> <created RFC 3339>`, the current one last.
///
/// Rotation writes a new private key and appends its public key; old public keys stay, so old checkpoints
/// keep verifying. `readaudit keys public` prints the public file: hand it to the auditors.
public struct SigningKeyring: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public var privateKeyPath: String { (directory as NSString).appendingPathComponent("checkpoint-signing.key") }
    public var publicKeysPath: String { (directory as NSString).appendingPathComponent("checkpoint-public-keys.txt") }

    /// A private key and its id.
    public struct SigningKey: Sendable {
        public let privateKey: Curve25519.Signing.PrivateKey
        public var keyID: String { SigningKeyring.keyID(of: privateKey.publicKey) }
    }

    /// First 8 bytes of SHA-256 over the raw public key, as 16 hex digits.
    public static func keyID(of key: Curve25519.Signing.PublicKey) -> String {
        ChainHash.hex(Array(SHA256.hash(data: key.rawRepresentation)).prefix(8))
    }

    static func isKeyID(_ text: String) -> Bool {
        text.utf8.count == 16 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The current signing key, created (with owner-only permissions) when there is none yet.
    public func loadOrCreate(now: AuditTime) throws -> (key: SigningKey, created: Bool) {
        if FileManager.default.fileExists(atPath: privateKeyPath) { return (try load(), false) }
        return (try rotate(now: now).new, true)
    }

    /// The current signing key. Refuses a key file that others can read.
    public func load() throws -> SigningKey {
        var info = stat()
        guard stat(privateKeyPath, &info) == 0 else { throw KeyringError("no signing key at \(privateKeyPath)") }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyringError("\(privateKeyPath) is readable by other users (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 on it")
        }
        let text = try String(contentsOfFile: privateKeyPath, encoding: .utf8)
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 3, parts[0] == "readaudit-ed25519-private", let seed = Data(base64Encoded: String(parts[2])), seed.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else { throw KeyringError("\(privateKeyPath) is not a readaudit signing key") }
        let signingKey = SigningKey(privateKey: key)
        guard signingKey.keyID == parts[1] else { throw KeyringError("\(privateKeyPath): the key id does not match the key") }
        return signingKey
    }

    /// Makes a new current key; the old public key stays in the public file. Returns the old and new keys.
    @discardableResult
    public func rotate(now: AuditTime) throws -> (old: SigningKey?, new: SigningKey) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let old = FileManager.default.fileExists(atPath: privateKeyPath) ? try load() : nil
        let key = SigningKey(privateKey: Curve25519.Signing.PrivateKey())
        // The public key is recorded first: a crash in between leaves an unused public key, never a
        // signing key whose signatures nobody can check.
        let line = "readaudit-ed25519 \(key.keyID) \(key.privateKey.publicKey.rawRepresentation.base64EncodedString()) \(now)\n"
        try append(line, to: publicKeysPath)
        let secret = "readaudit-ed25519-private \(key.keyID) \(key.privateKey.rawRepresentation.base64EncodedString())\n"
        let temporary = privateKeyPath + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw KeyringError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = secret.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        let synced = fsync(fd)
        close(fd)
        guard written == secret.utf8.count, synced == 0 else { throw KeyringError("cannot write \(temporary)") }
        guard rename(temporary, privateKeyPath) == 0 else { throw KeyringError("cannot replace \(privateKeyPath)") }
        return (old, key)
    }

    private func append(_ line: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw KeyringError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        guard written == line.utf8.count, fsync(fd) == 0 else { throw KeyringError("cannot write \(path)") }
    }

    /// Every public key this node signed with (the contents of the public file).
    public func publicKeys() throws -> PublicKeyring {
        try PublicKeyring(text: String(contentsOfFile: publicKeysPath, encoding: .utf8))
    }
}

/// Public keys trusted to sign checkpoints, by key id. Read from `readaudit keys public` output.
public struct PublicKeyring: Sendable {
    public private(set) var keys: [String: Curve25519.Signing.PublicKey] = [:]
    /// Key ids in the order they were listed.
    public private(set) var order: [String] = []

    public init() {}

    /// Parses lines `readaudit-ed25519 <keyid> <base64 key> [anything]`; blank lines and `#` comments are skipped.
    public init(text: String) throws {
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(whereSeparator: \.isWhitespace)
            guard parts.count >= 3, parts[0] == "readaudit-ed25519", let raw = Data(base64Encoded: String(parts[2])),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { throw KeyringError("public keys, line \(number + 1): expected `readaudit-ed25519 <key id> <base64 key>`") }
            guard SigningKeyring.keyID(of: key) == parts[1] else {
                throw KeyringError("public keys, line \(number + 1): the key id does not match the key")
            }
            add(key)
        }
    }

    public mutating func add(_ key: Curve25519.Signing.PublicKey) {
        let id = SigningKeyring.keyID(of: key)
        if keys[id] == nil { order.append(id) }
        keys[id] = key
    }

    public mutating func merge(_ other: PublicKeyring) {
        for id in other.order { add(other.keys[id]!) }
    }

    public func key(id: String) -> Curve25519.Signing.PublicKey? { keys[id] }
    public var isEmpty: Bool { keys.isEmpty }
}

/// A key file that cannot be used; the message says which and why.
public struct KeyringError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
