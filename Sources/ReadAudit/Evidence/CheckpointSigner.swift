import Foundation

/// Makes signed checkpoints of a journal: reads the chain hash and Merkle root at a size, signs them
/// with the keyring's current key. The checkpointer publishes them; archives seal their segments with them.
public struct CheckpointSigner: Sendable {
    public let keyring: SigningKeyring
    public let node: String

    public init(keyring: SigningKeyring, node: String) {
        self.keyring = keyring
        self.node = node
    }

    /// A checkpoint over entries 1 through `size` of `store`, signed now with the current key (read from
    /// disk each time, so `readaudit keys rotate` takes effect at the next checkpoint).
    public func checkpoint(size: Int64, of store: JournalStore, at time: AuditTime) async throws -> Checkpoint {
        let key = try keyring.load()
        try await store.extendMerkleIndex(through: size)
        guard let head = try await store.chainHash(at: size) else {
            throw CheckpointError.invalid("entry \(size) is not in the journal")
        }
        let root = try await store.withMerkleTree { tree in try MerkleTree.root(size: size, source: tree) }
        return try Checkpoint.sign(node: node, size: size, head: head, root: root, time: time, with: key)
    }
}
