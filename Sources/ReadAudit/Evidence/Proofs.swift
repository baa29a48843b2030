/// Proof that one event is in a node's journal: the event as exported, its audit path, and the signed
/// checkpoint whose Merkle root the path leads to. Checkable offline with only the node's public key.
///
/// The document is canonical JSON: a reader re-renders what it parsed and refuses anything that differs,
/// so no byte of a proof can change without the proof failing.
public struct InclusionProof: Sendable, Equatable {
    public static let format = "readaudit.inclusion-proof.v1"

    public var entry: JournalEntry
    public var path: [ChainHash]
    public var checkpoint: Checkpoint

    public init(entry: JournalEntry, path: [ChainHash], checkpoint: Checkpoint) {
        self.entry = entry
        self.path = path
        self.checkpoint = checkpoint
    }

    /// The canonical document, one line.
    public var document: String {
        var json = JSONText(capacity: 2048)
        json.raw("{")
        json.key("format", first: true)
        json.string(Self.format)
        json.key("leafIndex")
        json.raw(String(entry.sequence - 1))
        json.key("treeSize")
        json.raw(String(checkpoint.size))
        json.key("event")
        json.raw(bytes: entry.jsonBytes)
        json.key("path")
        json.stringArray(path.map(\.hex))
        json.key("checkpoint")
        json.raw(bytes: checkpoint.json.bytes)
        json.raw("}")
        return json.string
    }

    /// Reads a document written by `document`; refuses one that is not byte-for-byte canonical.
    public init(document: String) throws(ProofError) {
        let value = try ProofError.parse(document)
        guard let members = value.objectMembers, Set(members.map(\.0)) == ["format", "leafIndex", "treeSize", "event", "path", "checkpoint"]
        else { throw ProofError("an inclusion proof has exactly the keys format, leafIndex, treeSize, event, path and checkpoint") }
        let map = Dictionary(members, uniquingKeysWith: { first, _ in first })
        guard case .string(Self.format)? = map["format"] else { throw ProofError("format is not \(Self.format)") }
        let entry: JournalEntry
        do { entry = try JournalEntry(exportJSON: map["event"]!) } catch { throw ProofError("event: \(error)") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(json: map["checkpoint"]!) } catch { throw ProofError("checkpoint: \(error)") }
        self.init(entry: entry, path: try ProofError.hashes(map["path"]!), checkpoint: checkpoint)
        guard document == self.document || document == self.document + "\n" else {
            throw ProofError("the document is not in canonical form (leafIndex and treeSize must match the event and checkpoint; no extra spaces)")
        }
    }

    /// Checks the proof: the event's own hash, its place, the audit path to the root, and the signature.
    /// Returns nil when it holds, or what is wrong.
    public func problem(publicKeys: PublicKeyring) -> String? {
        guard entry.verifiesItself else { return "the event's contents do not match its hash: it was altered" }
        guard entry.sequence <= checkpoint.size else {
            return "the checkpoint covers \(checkpoint.size) entries and does not include entry \(entry.sequence)"
        }
        let leaf = MerkleTree.leafHash(entryHash: entry.hash)
        guard MerkleTree.verifyInclusion(leafHash: leaf, index: entry.sequence - 1, size: checkpoint.size, path: path, root: checkpoint.root) else {
            return "the audit path does not lead from the event to the checkpoint's Merkle root"
        }
        guard entry.event.node == checkpoint.node else { return "the event is from node \(entry.event.node), the checkpoint from \(checkpoint.node)" }
        switch checkpoint.checkSignature(publicKeys) {
        case .valid: return nil
        case .unknownKey: return "the checkpoint is signed by key \(checkpoint.keyID), which is not among the trusted public keys"
        case .badSignature: return "the checkpoint's signature is invalid"
        }
    }
}

/// Proof that an older checkpoint's tree is a prefix of a newer one's: nothing signed earlier was rewritten.
public struct ConsistencyProof: Sendable, Equatable {
    public static let format = "readaudit.consistency-proof.v1"

    public var old: Checkpoint
    public var new: Checkpoint
    public var path: [ChainHash]

    public init(old: Checkpoint, new: Checkpoint, path: [ChainHash]) {
        self.old = old
        self.new = new
        self.path = path
    }

    public var document: String {
        var json = JSONText(capacity: 2048)
        json.raw("{")
        json.key("format", first: true)
        json.string(Self.format)
        json.key("old")
        json.raw(bytes: old.json.bytes)
        json.key("new")
        json.raw(bytes: new.json.bytes)
        json.key("path")
        json.stringArray(path.map(\.hex))
        json.raw("}")
        return json.string
    }

    public init(document: String) throws(ProofError) {
        let value = try ProofError.parse(document)
        guard let members = value.objectMembers, Set(members.map(\.0)) == ["format", "old", "new", "path"] else {
            throw ProofError("a consistency proof has exactly the keys format, old, new and path")
        }
        let map = Dictionary(members, uniquingKeysWith: { first, _ in first })
        guard case .string(Self.format)? = map["format"] else { throw ProofError("format is not \(Self.format)") }
        let old: Checkpoint
        let new: Checkpoint
        do {
            old = try Checkpoint(json: map["old"]!)
            new = try Checkpoint(json: map["new"]!)
        } catch { throw ProofError("checkpoint: \(error)") }
        self.init(old: old, new: new, path: try ProofError.hashes(map["path"]!))
        guard document == self.document || document == self.document + "\n" else { throw ProofError("the document is not in canonical form") }
    }

    public func problem(publicKeys: PublicKeyring) -> String? {
        guard old.node == new.node else { return "the checkpoints are of different nodes" }
        guard old.size <= new.size else { return "the old checkpoint covers more entries than the new one" }
        for (name, checkpoint) in [("old", old), ("new", new)] {
            switch checkpoint.checkSignature(publicKeys) {
            case .valid: continue
            case .unknownKey: return "the \(name) checkpoint is signed by key \(checkpoint.keyID), which is not among the trusted public keys"
            case .badSignature: return "the \(name) checkpoint's signature is invalid"
            }
        }
        guard old.size > 0 else { return nil }
        guard MerkleTree.verifyConsistency(oldSize: old.size, newSize: new.size, oldRoot: old.root, newRoot: new.root, proof: path) else {
            return "the newer tree does not extend the older one: the history was rewritten or forked"
        }
        return nil
    }
}

/// A proof document that cannot be read.
public struct ProofError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static func parse(_ document: String) throws(ProofError) -> JSONValue {
        var bytes = Array(document.utf8)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        do { return try JSONParser.parse(bytes) } catch { throw ProofError("not JSON: \(error)") }
    }

    static func hashes(_ value: JSONValue) throws(ProofError) -> [ChainHash] {
        guard case .array(let items) = value else { throw ProofError("path must be a list of hashes") }
        var hashes = [ChainHash]()
        for item in items {
            guard case .string(let text) = item, let hash = ChainHash(hex: text) else { throw ProofError("path must be a list of 64-hex-digit hashes") }
            hashes.append(hash)
        }
        return hashes
    }
}

extension JournalStore {
    /// The inclusion proof of the entry with `id` against `checkpoint` (which must cover it).
    public func inclusionProof(of entry: JournalEntry, against checkpoint: Checkpoint) async throws -> InclusionProof {
        guard entry.sequence <= checkpoint.size else {
            throw ProofError("entry \(entry.sequence) is newer than the checkpoint (\(checkpoint.size) entries); wait for the next checkpoint")
        }
        let index = entry.sequence - 1
        let size = checkpoint.size
        let path = try await withMerkleTree { tree in try MerkleTree.inclusionProof(index: index, size: size, source: tree) }
        return InclusionProof(entry: entry, path: path, checkpoint: checkpoint)
    }

    /// The consistency proof between two checkpoints of this journal.
    public func consistencyProof(from old: Checkpoint, to new: Checkpoint) async throws -> ConsistencyProof {
        guard old.size <= new.size else { throw ProofError("the first checkpoint must be the older (smaller) one") }
        guard old.size > 0, old.size < new.size else { return ConsistencyProof(old: old, new: new, path: []) }
        let path = try await withMerkleTree { tree in try MerkleTree.consistencyProof(old: old.size, new: new.size, source: tree) }
        return ConsistencyProof(old: old, new: new, path: path)
    }
}
