import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

/// RFC 9162 Merkle hashing, inclusion and consistency proofs: pinned by the Certificate Transparency test
/// vectors (the same eight leaves every CT implementation tests with), then checked exhaustively.
@Suite struct MerkleTreeTests {
    static let ctLeaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map { hex in stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! } }
    static var ctSource: InMemoryMerkleSource { InMemoryMerkleSource(leafHashes: ctLeaves.map { MerkleTree.leafHash($0) }) }
    static func h(_ hex: String) -> ChainHash { ChainHash(hex: hex)! }

    @Test func rootsMatchTheCertificateTransparencyVectors() throws {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        for size in 1...8 {
            #expect(try MerkleTree.root(size: Int64(size), source: Self.ctSource).hex == expected[size - 1])
            #expect(MerkleTree.root(leafHashes: Array(Self.ctSource.leafHashes.prefix(size))).hex == expected[size - 1])
        }
        #expect(MerkleTree.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func proofsMatchTheCertificateTransparencyVectors() throws {
        let inclusion = try MerkleTree.inclusionProof(index: 0, size: 8, source: Self.ctSource)
        #expect(inclusion.map(\.hex) == [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ])
        let consistency = try MerkleTree.consistencyProof(old: 6, new: 8, source: Self.ctSource)
        #expect(consistency.map(\.hex) == [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ])
    }

    static func leaves(_ count: Int, salt: UInt8 = 0) -> InMemoryMerkleSource {
        InMemoryMerkleSource(leafHashes: (0..<count).map { MerkleTree.leafHash([salt, UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)]) })
    }

    @Test func everyInclusionProofVerifiesAndNoAlteredOneDoes() throws {
        let source = Self.leaves(70)
        for size in Int64(1)...70 {
            let root = try MerkleTree.root(size: size, source: source)
            for index in Int64(0)..<size {
                let leaf = source.leafHashes[Int(index)]
                let path = try MerkleTree.inclusionProof(index: index, size: size, source: source)
                #expect(MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: size, path: path, root: root))
                let other = source.leafHashes[Int((index + 1) % 70)]
                #expect(!MerkleTree.verifyInclusion(leafHash: other, index: index, size: size, path: path, root: root))
                if size > 1 {
                    #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: (index + 1) % size, size: size, path: path, root: root))
                    #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: size, path: Array(path.dropLast()), root: root))
                    var bent = path
                    bent[0] = MerkleTree.nodeHash(bent[0], bent[0])
                    #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: size, path: bent, root: root))
                }
            }
        }
    }

    @Test func everyConsistencyProofVerifiesAndAForkDoesNot() throws {
        let source = Self.leaves(40)
        // A fork: the same first 10 leaves, different ones after.
        let fork = InMemoryMerkleSource(leafHashes: Array(source.leafHashes.prefix(10)) + Array(Self.leaves(40, salt: 9).leafHashes.dropFirst(10)))
        for new in Int64(1)...40 {
            let newRoot = try MerkleTree.root(size: new, source: source)
            for old in Int64(1)...new {
                let oldRoot = try MerkleTree.root(size: old, source: source)
                let proof = try MerkleTree.consistencyProof(old: old, new: new, source: source)
                #expect(MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof))
                if old > 10 && old < new {
                    let forkedRoot = try MerkleTree.root(size: old, source: fork)
                    #expect(!MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: forkedRoot, newRoot: newRoot, proof: proof))
                    let forkProof = try MerkleTree.consistencyProof(old: old, new: new, source: fork)
                    #expect(!MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: forkedRoot, newRoot: newRoot, proof: forkProof))
                }
                if old < new {
                    #expect(!MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: []))
                }
            }
        }
    }

    @Test func theFrontierAgreesWithTheRecursiveDefinition() throws {
        let source = Self.leaves(300)
        var frontier = MerkleFrontier()
        for (index, leaf) in source.leafHashes.enumerated() {
            frontier.append(leafHash: leaf)
            #expect(frontier.root == (try MerkleTree.root(size: Int64(index + 1), source: source)))
        }
    }

    /// The journal's tree (stored 256- and 65,536-leaf nodes, computed ones, entry hashes) is the same tree.
    @Test func theJournalsStoredTreeMatchesTheTreeOverItsEntries() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("j.sqlite"))
        let clock = ManualClock()
        var sealed = [JournalEntry]()
        for batch in 0..<7 {
            sealed += try store.commit((0..<10_000).map { JournalTests.draft(batch * 10_000 + $0, clock: clock) })
        }
        let memory = InMemoryMerkleSource(leafHashes: sealed.map { MerkleTree.leafHash(entryHash: $0.hash) })
        let sizes: [Int64] = [1, 255, 256, 257, 65_535, 65_536, 65_537, 70_000]
        let unstored = try await store.withMerkleTree { tree in try sizes.map { try MerkleTree.root(size: $0, source: tree) } }
        #expect(try await store.extendMerkleIndex() == 273 + 1)
        #expect(try await store.extendMerkleIndex() == 0)
        let stored = try await store.withMerkleTree { tree in try sizes.map { try MerkleTree.root(size: $0, source: tree) } }
        let expected = try sizes.map { try MerkleTree.root(size: $0, source: memory) }
        #expect(unstored == expected)
        #expect(stored == expected)
        let proof = try await store.withMerkleTree { tree in try MerkleTree.inclusionProof(index: 66_000, size: 70_000, source: tree) }
        #expect(proof == (try MerkleTree.inclusionProof(index: 66_000, size: 70_000, source: memory)))
        let consistency = try await store.withMerkleTree { tree in try MerkleTree.consistencyProof(old: 65_541, new: 70_000, source: tree) }
        #expect(consistency == (try MerkleTree.consistencyProof(old: 65_541, new: 70_000, source: memory)))
    }
}
