import ReadAudit
import Testing

/// The bytes that are hashed are frozen. These vectors were computed independently (docs/canonical-encoding.md
/// has the Python reference) and must never be edited: a failing vector means every stored hash would change.
@Suite struct CanonicalEncodingTests {
    static let fullEvent = AuditEventDraft(
        id: EventID(rawValue: "019ace00-0000-7000-8000-000000000001")!,
        time: AuditTime(microseconds: 1_795_000_000_123_456),
        node: "node-1", action: .customerRead, outcome: .served, code: nil, credential: "genesys",
        agent: "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f", interaction: "0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d",
        customer: "C-100001", fields: ["firstName", "ssn"], masked: ["ssn"], source: "10.1.2.3",
        genesys: ["inin-user-id": "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f", "inin-correlation-id": "corr-1"],
        detail: [:])

    static let minimalEvent = AuditEventDraft(
        id: EventID(rawValue: "019ace00-0000-7000-8000-000000000002")!,
        time: AuditTime(microseconds: 0), node: "n", action: .gatewayStart, outcome: .ok,
        detail: ["version": "0.1.0", "é": "ü"])

    @Test func theEncodingStartsWithTheVersionTagAndSequence() {
        let bytes = CanonicalEncoding.encode(Self.minimalEvent, sequence: 1, previousHash: .genesis)
        // u32 length 18, "readaudit.event.v1", int64 1
        #expect(Array(bytes.prefix(4)) == [0, 0, 0, 18])
        #expect(String(decoding: bytes[4..<22], as: UTF8.self) == "readaudit.event.v1")
        #expect(Array(bytes[22..<30]) == [0, 0, 0, 0, 0, 0, 0, 1])
        // ends with the 32-byte previous hash behind its length
        #expect(Array(bytes.suffix(36)) == [0, 0, 0, 32] + [UInt8](repeating: 0, count: 32))
    }

    @Test func goldenVectorOfAFullReadEvent() {
        let hash = CanonicalEncoding.hash(of: Self.fullEvent, sequence: 42, previousHash: ChainHash(hex: String(repeating: "ab", count: 32))!)
        #expect(hash.hex == GoldenVectors.fullEventHash)
    }

    @Test func goldenVectorOfAMinimalEvent() {
        let hash = CanonicalEncoding.hash(of: Self.minimalEvent, sequence: 1, previousHash: .genesis)
        #expect(hash.hex == GoldenVectors.minimalEventHash)
    }

    @Test func everyFieldChangesTheHash() {
        let base = CanonicalEncoding.hash(of: Self.fullEvent, sequence: 42, previousHash: .genesis)
        var variants: [AuditEventDraft] = []
        func vary(_ change: (inout AuditEventDraft) -> Void) {
            var copy = Self.fullEvent
            change(&copy)
            variants.append(copy)
        }
        vary { $0.id = EventID(rawValue: "019ace00-0000-7000-8000-000000000009")! }
        vary { $0.time.microseconds += 1 }
        vary { $0.node = "node-2" }
        vary { $0.action = .gatewayStop }
        vary { $0.outcome = .denied }
        vary { $0.code = "" }
        vary { $0.credential = nil }
        vary { $0.agent = "x" }
        vary { $0.interaction = nil }
        vary { $0.customer = "C-100002" }
        vary { $0.fields = ["firstName"] }
        vary { $0.fields = ["ssn", "firstName"] }
        vary { $0.masked = [] }
        vary { $0.source = "10.1.2.4" }
        vary { $0.genesys["inin-correlation-id"] = "corr-2" }
        vary { $0.detail["k"] = "v" }
        // Field boundaries are unambiguous: moving a character between neighbours changes the bytes.
        vary { $0.fields = ["firstNames", "sn"] }
        for variant in variants {
            #expect(CanonicalEncoding.hash(of: variant, sequence: 42, previousHash: .genesis) != base)
        }
        #expect(CanonicalEncoding.hash(of: Self.fullEvent, sequence: 43, previousHash: .genesis) != base)
    }
}

enum GoldenVectors {
    static let fullEventHash = "469e12a5b6d3c59abee4748dc85dc81bb59a2d6e3cf5eaa902b533693359b12f"
    static let minimalEventHash = "5b2e4ba96b1c6712d9152e6b2893e372d2b1bfdae8b44388036369acb1f381c2"
}
