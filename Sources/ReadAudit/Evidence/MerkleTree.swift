import Crypto

/// Where a Merkle computation gets the hash of a complete, aligned subtree: the `2^level` leaves starting
/// at leaf `index * 2^level`. The journal answers from stored nodes; tests answer from an array.
public protocol MerkleSubtreeSource {
    func subtreeHash(level: Int, index: Int64) throws -> ChainHash
}

/// RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing, inclusion and consistency proofs. Pure.
///
/// The journal's tree has one leaf per entry, in sequence order: leaf `i` (0-based) is entry `i + 1`, and its
/// leaf input is that entry's 32-byte chain hash (which commits to the entry's canonical encoding, its
/// sequence number and the previous link). Hashing is frozen: golden vectors in `MerkleTreeTests` pin it.
public enum MerkleTree {
    /// `SHA-256(0x00 || input)`: the hash of a leaf.
    public static func leafHash(_ input: some Collection<UInt8>) -> ChainHash {
        var hasher = SHA256()
        hasher.update(data: [0])
        hasher.update(data: Array(input))
        return ChainHash(hasher.finalize())
    }

    /// The leaf hash of a journal entry: its chain hash is the leaf input (`SHA-256(0x00 || hash)`).
    public static func leafHash(entryHash: ChainHash) -> ChainHash {
        withUnsafeTemporaryAllocation(byteCount: 33, alignment: 8) { buffer in
            buffer[0] = 0
            entryHash.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1...]).copyMemory(from: $0) }
            return ChainHash(SHA256.hash(data: UnsafeRawBufferPointer(buffer)))
        }
    }

    /// `SHA-256(0x01 || left || right)`: the hash of an interior node.
    public static func nodeHash(_ left: ChainHash, _ right: ChainHash) -> ChainHash {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 1
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            return ChainHash(SHA256.hash(data: UnsafeRawBufferPointer(buffer)))
        }
    }

    /// The root of the empty tree: `SHA-256("")`.
    public static let emptyRoot = ChainHash(SHA256.hash(data: [UInt8]()))

    /// The root over `leafHashes` (already leaf-hashed), by RFC 9162's definition of MTH.
    public static func root(leafHashes: [ChainHash]) -> ChainHash {
        var frontier = MerkleFrontier()
        for leaf in leafHashes { frontier.append(leafHash: leaf) }
        return frontier.root
    }

    /// The root of a power-of-two count of sibling subtrees, folded pairwise (a complete subtree).
    public static func foldComplete(_ hashes: [ChainHash]) -> ChainHash {
        precondition(!hashes.isEmpty && hashes.count & (hashes.count - 1) == 0, "a complete subtree has 2^k children")
        var level = hashes
        while level.count > 1 {
            var next = [ChainHash]()
            next.reserveCapacity(level.count / 2)
            var index = 0
            while index < level.count {
                next.append(nodeHash(level[index], level[index + 1]))
                index += 2
            }
            level = next
        }
        return level[0]
    }

    /// The largest power of two strictly below `n` (n > 1).
    static func split(_ n: Int64) -> Int64 {
        var k: Int64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[start:end]) for the ranges RFC 9162's recursion produces (their left parts are aligned).
    public static func rangeHash(start: Int64, end: Int64, source: some MerkleSubtreeSource) throws -> ChainHash {
        let n = end - start
        precondition(n > 0, "an empty range has no subtree")
        if n & (n - 1) == 0 && start % n == 0 {
            return try source.subtreeHash(level: n.trailingZeroBitCount, index: start / n)
        }
        let k = split(n)
        return nodeHash(try rangeHash(start: start, end: start + k, source: source), try rangeHash(start: start + k, end: end, source: source))
    }

    /// The root of the tree of the first `size` leaves.
    public static func root(size: Int64, source: some MerkleSubtreeSource) throws -> ChainHash {
        size == 0 ? emptyRoot : try rangeHash(start: 0, end: size, source: source)
    }

    /// PATH(index, D[0:size]): the audit path proving leaf `index` is in the tree of `size` leaves.
    public static func inclusionProof(index: Int64, size: Int64, source: some MerkleSubtreeSource) throws -> [ChainHash] {
        precondition(index >= 0 && index < size, "the leaf must be inside the tree")
        var proof = [ChainHash]()
        try auditPath(index, 0, size, source, &proof)
        return proof
    }

    private static func auditPath(_ m: Int64, _ start: Int64, _ end: Int64, _ source: some MerkleSubtreeSource, _ out: inout [ChainHash]) throws {
        let n = end - start
        if n == 1 { return }
        let k = split(n)
        if m < k {
            try auditPath(m, start, start + k, source, &out)
            out.append(try rangeHash(start: start + k, end: end, source: source))
        } else {
            try auditPath(m - k, start + k, end, source, &out)
            out.append(try rangeHash(start: start, end: start + k, source: source))
        }
    }

    /// PROOF(old, D[0:new]): proves the tree of `old` leaves is a prefix of the tree of `new` leaves.
    public static func consistencyProof(old: Int64, new: Int64, source: some MerkleSubtreeSource) throws -> [ChainHash] {
        precondition(old > 0 && old <= new, "consistency needs 0 < old <= new")
        var proof = [ChainHash]()
        try subproof(old, 0, new, true, source, &proof)
        return proof
    }

    private static func subproof(
        _ m: Int64, _ start: Int64, _ end: Int64, _ complete: Bool, _ source: some MerkleSubtreeSource, _ out: inout [ChainHash]
    ) throws {
        let n = end - start
        if m == n {
            if !complete { out.append(try rangeHash(start: start, end: end, source: source)) }
            return
        }
        let k = split(n)
        if m <= k {
            try subproof(m, start, start + k, complete, source, &out)
            out.append(try rangeHash(start: start + k, end: end, source: source))
        } else {
            try subproof(m - k, start + k, end, false, source, &out)
            out.append(try rangeHash(start: start, end: start + k, source: source))
        }
    }

    /// RFC 9162 §2.1.3.2: does `path` prove `leafHash` at `index` in the tree of `size` leaves with `root`?
    public static func verifyInclusion(leafHash: ChainHash, index: Int64, size: Int64, path: [ChainHash], root: ChainHash) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in path {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: does `proof` show the tree (`oldSize`, `oldRoot`) is a prefix of (`newSize`, `newRoot`)?
    public static func verifyConsistency(oldSize: Int64, newSize: Int64, oldRoot: ChainHash, newRoot: ChainHash, proof: [ChainHash]) -> Bool {
        guard oldSize > 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        guard !proof.isEmpty else { return false }
        var path = proof
        // A power-of-two old tree is a complete subtree: its root starts the walk.
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

/// The right edge of a growing tree (one complete subtree per set bit of the size): appending a leaf and
/// reading the root cost O(log n). `verify` walks the journal with one to check every checkpoint's root.
public struct MerkleFrontier: Sendable, Equatable {
    /// Complete subtrees from the left, largest first, with their levels.
    private var stack: [(level: Int, hash: ChainHash)] = []
    /// Leaves appended so far.
    public private(set) var size: Int64 = 0

    public init() {}

    /// A frontier from its complete subtrees, largest first (`subtrees`, as another frontier reported them).
    /// The subtree sizes are the set bits of `size`; nil when the count does not match.
    public init?(size: Int64, subtrees: [ChainHash]) {
        guard size >= 0, size.nonzeroBitCount == subtrees.count else { return nil }
        var levels = [Int]()
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 { levels.append(level) }
        stack = zip(levels, subtrees).map { (level: $0, hash: $1) }
        self.size = size
    }

    /// The frontier of the first `size` leaves, read from a tree.
    public init(size: Int64, source: some MerkleSubtreeSource) throws {
        var start: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 {
            stack.append((level: level, hash: try source.subtreeHash(level: level, index: start >> level)))
            start += Int64(1) << level
        }
        self.size = size
    }

    public static func == (lhs: MerkleFrontier, rhs: MerkleFrontier) -> Bool { lhs.size == rhs.size && lhs.subtrees == rhs.subtrees }

    /// The complete subtrees' hashes, largest first (what `init(size:subtrees:)` takes back).
    public var subtrees: [ChainHash] { stack.map(\.hash) }

    public mutating func append(leafHash: ChainHash) {
        var node = (level: 0, hash: leafHash)
        while let last = stack.last, last.level == node.level {
            stack.removeLast()
            node = (level: node.level + 1, hash: MerkleTree.nodeHash(last.hash, node.hash))
        }
        stack.append(node)
        size += 1
    }

    /// MTH of the leaves appended so far.
    public var root: ChainHash {
        guard var hash = stack.last?.hash else { return MerkleTree.emptyRoot }
        for node in stack.dropLast().reversed() { hash = MerkleTree.nodeHash(node.hash, hash) }
        return hash
    }
}

/// Leaf hashes held in memory: a `MerkleSubtreeSource` for tests, proofs over archive segments and tools.
public struct InMemoryMerkleSource: MerkleSubtreeSource, Sendable {
    public var leafHashes: [ChainHash]

    public init(leafHashes: [ChainHash]) { self.leafHashes = leafHashes }

    public func subtreeHash(level: Int, index: Int64) throws -> ChainHash {
        let start = Int(index) << level
        let end = start + (1 << level)
        guard start >= 0, end <= leafHashes.count else { throw MerkleError.missingLeaves(first: Int64(start), count: Int64(1 << level)) }
        return MerkleTree.foldComplete(Array(leafHashes[start..<end]))
    }
}

/// A subtree that cannot be computed because its leaves are not available.
public enum MerkleError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingLeaves(first: Int64, count: Int64)

    public var description: String {
        switch self {
        case .missingLeaves(let first, let count):
            "leaves \(first) to \(first + count - 1) (entries \(first + 1) to \(first + count)) are not in the journal"
        }
    }
}
