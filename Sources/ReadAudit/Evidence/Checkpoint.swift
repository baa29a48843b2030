import Crypto
import Foundation

/// A signed statement about one node's journal: "my first `size` entries end in chain hash `head` and
/// their Merkle tree has root `root`", signed with Ed25519 at `time` by the key `keyID`.
///
/// Checkpoints are journal events (`audit.checkpoint`), so every sink receives them: copies outside the box
/// that `verify --checkpoints` holds the journal to. The signed bytes are frozen (`statement`).
public struct Checkpoint: Sendable, Equatable {
    public var node: String
    /// Entries covered: sequence numbers 1 through `size` (the Merkle tree's leaf count).
    public var size: Int64
    /// The chain hash of entry `size` (the genesis hash when `size` is 0).
    public var head: ChainHash
    /// RFC 9162 Merkle root over the first `size` entries.
    public var root: ChainHash
    public var time: AuditTime
    /// Which signing key signed it (`SigningKeyring.keyID(of:)`).
    public var keyID: String
    /// Ed25519 signature (64 bytes) over `statement`.
    public var signature: [UInt8]

    public init(node: String, size: Int64, head: ChainHash, root: ChainHash, time: AuditTime, keyID: String, signature: [UInt8]) {
        self.node = node
        self.size = size
        self.head = head
        self.root = root
        self.time = time
        self.keyID = keyID
        self.signature = signature
    }

    /// The first line of every version-1 statement.
    public static let statementTag = "readaudit.checkpoint.v1"

    /// The exact bytes signed: five labelled lines after the tag, each ending in `\n`.
    public static func statement(node: String, size: Int64, head: ChainHash, root: ChainHash, time: AuditTime) -> [UInt8] {
        Array("\(statementTag)\nnode \(node)\nsize \(size)\nhead \(head.hex)\nroot \(root.hex)\ntime \(time.microseconds)\n".utf8)
    }

    /// The statement this checkpoint claims to sign.
    public var statement: [UInt8] { Self.statement(node: node, size: size, head: head, root: root, time: time) }

    /// Signs a statement with `key`.
    public static func sign(
        node: String, size: Int64, head: ChainHash, root: ChainHash, time: AuditTime, with key: SigningKeyring.SigningKey
    ) throws -> Checkpoint {
        guard !node.contains("\n") else { throw CheckpointError.invalid("the node name contains a line break") }
        let bytes = statement(node: node, size: size, head: head, root: root, time: time)
        let signature = try key.privateKey.signature(for: bytes)
        return Checkpoint(node: node, size: size, head: head, root: root, time: time, keyID: key.keyID, signature: Array(signature))
    }

    /// How a signature check ended.
    public enum SignatureCheck: Sendable, Equatable {
        case valid
        /// No trusted public key has this id.
        case unknownKey
        /// The key is known and the signature does not match the statement.
        case badSignature
    }

    /// Checks the signature against the trusted public keys.
    public func checkSignature(_ keys: PublicKeyring) -> SignatureCheck {
        guard let key = keys.key(id: keyID) else { return .unknownKey }
        guard signature.count == 64, !node.contains("\n"), key.isValidSignature(signature, for: statement) else { return .badSignature }
        return .valid
    }
}

/// A checkpoint that cannot be read or made.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let detail): "not a valid checkpoint: \(detail)"
        }
    }
}

extension Checkpoint {
    /// The detail keys of an `audit.checkpoint` event.
    public var detail: [String: String] {
        [
            "size": String(size), "head": head.hex, "root": root.hex, "signedAt": String(time.microseconds), "keyId": keyID,
            "signature": Data(signature).base64EncodedString(),
        ]
    }

    /// The `audit.checkpoint` journal event that publishes this checkpoint.
    public func event(id: EventID, time eventTime: AuditTime) -> AuditEventDraft {
        AuditEventDraft(id: id, time: eventTime, node: node, action: .auditCheckpoint, outcome: .ok, detail: detail)
    }

    /// Reads a checkpoint back from its `audit.checkpoint` event (from the journal or a sink's copy).
    public init(event: AuditEventDraft) throws(CheckpointError) {
        guard event.action == .auditCheckpoint else { throw .invalid("the event is \(event.action), not audit.checkpoint") }
        try self.init(node: event.node, fields: event.detail)
    }

    /// Reads a checkpoint from its named fields (`size`, `head`, `root`, `signedAt`, `keyId`, `signature`).
    public init(node: String, fields: [String: String]) throws(CheckpointError) {
        guard let sizeText = fields["size"], let size = Int64(sizeText), size >= 0, String(size) == sizeText else {
            throw .invalid("size is not a whole number")
        }
        guard let headText = fields["head"], let head = ChainHash(hex: headText), head.hex == headText else {
            throw .invalid("head is not 64 lower-case hex digits")
        }
        guard let rootText = fields["root"], let root = ChainHash(hex: rootText), root.hex == rootText else {
            throw .invalid("root is not 64 lower-case hex digits")
        }
        guard let timeText = fields["signedAt"], let micros = Int64(timeText), String(micros) == timeText else {
            throw .invalid("signedAt is not a time in microseconds")
        }
        guard let keyID = fields["keyId"], SigningKeyring.isKeyID(keyID) else { throw .invalid("keyId is not a key id") }
        guard let signatureText = fields["signature"], let signature = Data(base64Encoded: signatureText), signature.count == 64,
            signature.base64EncodedString() == signatureText
        else { throw .invalid("signature is not 64 bytes of base64") }
        self.init(
            node: node, size: size, head: head, root: root, time: AuditTime(microseconds: micros), keyID: keyID, signature: Array(signature))
    }

    /// The checkpoint as one canonical JSON object (keys in a fixed order), as proofs carry it.
    public var json: JSONText {
        var json = JSONText(capacity: 320)
        json.raw("{")
        json.key("node", first: true)
        json.string(node)
        for key in ["size", "head", "root", "signedAt", "keyId", "signature"] {
            json.key(key)
            json.string(detail[key]!)
        }
        json.raw("}")
        return json
    }

    /// Reads the canonical JSON object written by `json`.
    public init(json value: JSONValue) throws(CheckpointError) {
        guard let members = value.objectMembers else { throw .invalid("not a JSON object") }
        var fields: [String: String] = [:]
        for (key, member) in members {
            guard case .string(let text) = member else { throw .invalid("\(key) is not a string") }
            fields[key] = text
        }
        guard let node = fields.removeValue(forKey: "node") else { throw .invalid("node is missing") }
        try self.init(node: node, fields: fields)
    }
}

extension AuditAction {
    /// A signed checkpoint of the chain head and Merkle root (the checkpointer, or an archive's seal).
    public static let auditCheckpoint = AuditAction(rawValue: "audit.checkpoint")
    /// The checkpoint signing key was rotated (`readaudit keys rotate`).
    public static let keyRotated = AuditAction(rawValue: "audit.key_rotated")
    /// Someone produced an inclusion or consistency proof from the journal (`readaudit prove`).
    public static let auditProve = AuditAction(rawValue: "audit.prove")
}

/// Reads checkpoints out of a file of JSON lines as sinks keep them: the file sink's events, Splunk HEC
/// envelopes (`{"event": {...}}`), Datadog/webhook copies, or canonical checkpoint objects. Other events are skipped.
public enum ExternalCheckpoints {
    public static func read(_ text: String) throws -> [Checkpoint] {
        var found: [Checkpoint] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let bytes = Array(line.utf8).filter { $0 != UInt8(ascii: "\r") }
            if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            let values: [JSONValue]
            do {
                values = try JSONParser.parseConcatenated(bytes)
            } catch {
                throw CheckpointError.invalid("line \(number + 1) is not JSON")
            }
            for value in values {
                for candidate in candidates(value) {
                    do {
                        if let checkpoint = try checkpoint(candidate) { found.append(checkpoint) }
                    } catch {
                        throw CheckpointError.invalid("line \(number + 1): \(error)")
                    }
                }
            }
        }
        return found
    }

    /// The value itself, or what it wraps (an array of events, a HEC envelope's `event`).
    private static func candidates(_ value: JSONValue) -> [JSONValue] {
        switch value {
        case .array(let items): return items.flatMap(candidates)
        case .object(let members):
            if let wrapped = members.first(where: { $0.0 == "event" })?.1, wrapped.objectMembers != nil { return candidates(wrapped) }
            return [value]
        default: return []
        }
    }

    private static func checkpoint(_ value: JSONValue) throws -> Checkpoint? {
        guard let members = value.objectMembers else { return nil }
        if case .string(let action)? = members.first(where: { $0.0 == "action" })?.1 {
            guard action == AuditAction.auditCheckpoint.rawValue else { return nil }
            return try Checkpoint(event: JournalEntry(exportJSON: value).event)
        }
        if members.contains(where: { $0.0 == "signature" }) && members.contains(where: { $0.0 == "node" }) {
            return try Checkpoint(json: value)
        }
        return nil
    }
}
