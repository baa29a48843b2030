import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// Property suites over the request decoder, the canonical encoding and the real router, on seeded random
/// and hostile inputs (issue 6). Each prints `readaudit-fuzz: <suite> <N> cases`, which scripts/test.sh adds
/// up with schemathesis' count. A failure names the seed and case: `READAUDIT_FUZZ_SEED=<seed>` replays it.
@Suite struct RequestDecoderPropertyTests {
    static let cases = 20_000
    static let documented400: Set<String> = ["invalid_json", "unknown_field", "missing_field", "invalid_type", "invalid_format"]

    /// The exact answers a body of each kind can get (nil: success).
    static func expected(_ kind: FuzzInput.BodyKind) -> Set<String?>? {
        switch kind {
        case .valid: [nil]
        case .wrongType: ["invalid_type"]
        case .missingField: ["missing_field"]
        case .unknownField: ["unknown_field"]
        case .duplicateKey, .rawNUL, .invalidUTF8, .truncated, .notAnObject: ["invalid_json"]
        case .escapedNULInCustomerId, .hugeString, .badFormat: ["invalid_format"]
        case .hugeNumber: ["invalid_json", "invalid_type"]
        case .deepNesting: ["invalid_json", "invalid_type"]
        case .byteFlip, .randomJSON, .randomBytes: nil
        }
    }

    @Test func everyBodyIsAcceptedOnlyWhenValidAndOtherwiseRefusedWithADocumented400() throws {
        let validator = try CustomerDataRequestValidator()
        let seed = SeededGenerator.suiteSeed
        var g = SeededGenerator(seed: seed)
        var kinds: [FuzzInput.BodyKind: Int] = [:]
        for index in 0..<Self.cases {
            let (kind, body) = FuzzInput.body(&g)
            kinds[kind, default: 0] += 1
            let label = "seed \(seed) case \(index) kind \(kind.rawValue): \(String(decoding: body.prefix(200), as: UTF8.self).debugDescription)"
            switch validator.validate(body) {
            case .success(let request):
                #expect(Self.expected(kind).map { $0.contains(nil) } ?? true, "accepted: \(label)")
                #expect(request.customerId.utf8.count <= 128 && !request.customerId.contains("/") && !request.customerId.utf8.contains(0), "\(label)")
                #expect(EventID.isCanonicalUUID(request.agentId) && EventID.isCanonicalUUID(request.interactionId), "\(label)")
            case .failure(let rejected):
                let code = rejected.error.code
                #expect(Self.documented400.contains(code.rawValue), "undocumented code \(code): \(label)")
                #expect(code.status == .badRequest, "\(label)")
                if let expected = Self.expected(kind) { #expect(expected.contains(code.rawValue), "got \(code): \(label)") }
                for kept in [rejected.submitted.customerId, rejected.submitted.agentId, rejected.submitted.interactionId] {
                    #expect((kept?.count ?? 0) <= 256, "\(label)")
                }
                try ErrorBodyShape.check(rejected.error.body, status: code.status, label: label)
            }
        }
        // Every kind was generated often enough to mean something.
        #expect(kinds.count == FuzzInput.BodyKind.allCases.count && kinds.values.allSatisfy { count in count > 500 })
        print("readaudit-fuzz: RequestDecoderPropertyTests \(Self.cases) cases")
    }

    @Test func parsedJSONWrittenBackParsesToTheSameValue() throws {
        let seed = SeededGenerator.suiteSeed &+ 1
        var g = SeededGenerator(seed: seed)
        let cases = 10_000
        var accepted = 0
        for index in 0..<cases {
            let text = FuzzInput.jsonValue(&g, depth: g.int(0...8))
            let value: JSONValue
            do {
                value = try JSONParser.parse(Array(text.utf8))
            } catch {
                // Only two refusals are legitimate for generated (well-formed) JSON text.
                #expect(["duplicate member name", "number too long"].contains(error.reason), "seed \(seed) case \(index): \(error.reason) in \(text.prefix(200))")
                continue
            }
            accepted += 1
            let again = try JSONParser.parse(Array(FuzzInput.serialize(value).utf8))
            #expect(again == value, "seed \(seed) case \(index): \(text.prefix(200))")
        }
        #expect(accepted > cases / 2)
        print("readaudit-fuzz: JSONParserRoundTrip \(cases) cases")
    }

    @Test func nestingBeyondTheLimitIsRefusedWithoutExhaustingTheStack() throws {
        for depth in [63, 64, 65, 1_000, 100_000] {
            let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let parsed = Result { () throws(JSONParser.Failure) in try JSONParser.parse(Array(text.utf8)) }
            // An array `depth` deep holds its innermost empty array at depth `depth - 1`.
            #expect((try? parsed.get()) != nil ? depth <= 65 : depth > 65)
        }
    }
}

/// The canonical encoding: export and read back gives the same hash; any change changes it; NULs are
/// stored as they are hashed.
@Suite struct CanonicalEncodingPropertyTests {
    static let cases = 5_000

    @Test func anExportedEntryReadBackHasTheSameHashAndDistinctEventsHashDifferently() throws {
        let seed = SeededGenerator.suiteSeed &+ 2
        var g = SeededGenerator(seed: seed)
        for index in 0..<Self.cases {
            let label = "seed \(seed) case \(index)"
            let event = FuzzInput.event(&g).storable
            let sequence = Int64.random(in: 1...Int64.max, using: &g)
            let entry = JournalEntry.seal(event, sequence: sequence, after: FuzzInput.hash(&g))

            // Export → JSON parser → reader: every byte that was hashed comes back.
            let parsed = try JSONParser.parse(entry.jsonBytes)
            let back = try JournalEntry(exportJSON: parsed)
            #expect(back.verifiesItself, "\(label)")
            #expect(back.hash == entry.hash, "\(label)")
            #expect(
                CanonicalEncoding.encode(back.event, sequence: back.sequence, previousHash: back.previousHash)
                    == CanonicalEncoding.encode(entry.event, sequence: entry.sequence, previousHash: entry.previousHash), "\(label)")

            // One change anywhere gives another hash (and another encoding).
            var other = event
            let tweak = g.int(0...7)
            switch tweak {
            case 0: other.node += "x"
            case 1: other.customer = other.customer == nil ? "" : nil
            case 2: other.fields.append("")
            case 3: other.time.microseconds += 1
            case 4: other.detail["\u{1}new"] = ""
            case 5: other.masked = other.masked.isEmpty ? ["a"] : Array(other.masked.dropLast())
            case 6: other.code = (other.code ?? "") + "\u{FFFD}"
            default: other.agent = other.agent.map { agent in agent + "a" } ?? "a"
            }
            let otherHash = CanonicalEncoding.hash(of: other, sequence: sequence, previousHash: entry.previousHash)
            #expect(otherHash != entry.hash, "\(label) tweak \(tweak)")
            let elsewhere = sequence == 1 ? 2 : sequence - 1
            #expect(JournalEntry.seal(event, sequence: elsewhere, after: entry.previousHash).hash != entry.hash, "\(label)")
        }
        print("readaudit-fuzz: CanonicalEncodingPropertyTests \(Self.cases) cases")
    }

    @Test func storableRemovesEveryNulIsIdempotentAndLeavesOtherEventsAlone() {
        let seed = SeededGenerator.suiteSeed &+ 3
        var g = SeededGenerator(seed: seed)
        let cases = 5_000
        for index in 0..<cases {
            let event = FuzzInput.event(&g)
            let storable = event.storable
            let encoding = CanonicalEncoding.encode(storable, sequence: 1, previousHash: .genesis)
            let hadNul = CanonicalEncoding.encode(event, sequence: 1, previousHash: .genesis) != encoding
            #expect(storable.storable == storable, "seed \(seed) case \(index)")
            let texts = [storable.node, storable.action.rawValue, storable.outcome.rawValue] + [
                storable.code, storable.credential, storable.agent, storable.interaction, storable.customer, storable.source,
            ].compactMap { $0 } + storable.fields + storable.masked + storable.genesys.flatMap { [$0.key, $0.value] }
                + storable.detail.flatMap { [$0.key, $0.value] }
            #expect(texts.allSatisfy { text in !text.utf8.contains(0) }, "seed \(seed) case \(index)")
            if !hadNul { #expect(storable == event, "seed \(seed) case \(index)") }
        }
        print("readaudit-fuzz: StorablePropertyTests \(cases) cases")
    }
}

/// Random bodies and headers through the real router: never a 500, every refusal a documented error body
/// whose code matches its status, every answer no-store, and every answer but 503 audited.
@Suite struct RouterFuzzTests {
    static let cases = 3_000

    @Test func theRouterAnswersHostileRequestsOnlyWithDocumentedErrors() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            let seed = SeededGenerator.suiteSeed &+ 4
            var g = SeededGenerator(seed: seed)
            var requests: [(index: Int, headers: HTTPFields, body: [UInt8], uri: String)] = []
            for index in 0..<Self.cases {
                var headers = HTTPFields()
                switch g.int(0...9) {
                case 0: break
                case 1: headers[.authorization] = "Bearer ra_wrong-key"
                case 2: headers[.authorization] = g.pick(["Bearer", "Basic !!!", "Basic " + Data("genesys-test:".utf8).base64EncodedString(), "bearer  "])
                case 3: headers[.authorization] = TestCredentials.basic
                default: headers[.authorization] = TestCredentials.bearer
                }
                if let type = g.pick([
                    "application/json", "application/json", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                    "text/plain", "application/jsonx", "multipart/form-data", ";", nil,
                ] as [String?]) {
                    headers[.contentType] = type
                }
                if g.chance(0.1) { headers[HTTPField.Name("ININ-User-Id")!] = g.chance(0.5) ? TestCredentials.agentId : FuzzInput.uuid(&g) }
                if g.chance(0.05) { headers[HTTPField.Name("ININ-Correlation-Id")!] = String(repeating: "x", count: g.int(0...2_000)) }
                var body: [UInt8]
                if g.chance(0.2) {
                    body = Array(TestCredentials.body(customerId: g.pick(["C-1", "C-2", "C-404", FuzzInput.validCustomerId(&g)])).utf8)
                } else {
                    body = FuzzInput.body(&g).bytes
                }
                if g.chance(0.02) { body = [UInt8](repeating: UInt8(ascii: " "), count: 16 * 1024 + g.int(1...4_096)) + body }
                let uri = g.chance(0.95) ? "/v1/customer-data" : g.pick(["/v1/customer-data?x=1", "/v1/customer-data/", "/v1/interactions/events"])
                requests.append((index, headers, body, uri))
            }
            let outcomes = LockedBox<[Int: Int]>([:])
            let planned = requests
            try await gateway.application().test(.router) { client in
                // Eight at a time, as concurrent agents would.
                for chunk in stride(from: 0, to: planned.count, by: 8) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for request in planned[chunk..<min(chunk + 8, planned.count)] {
                            group.addTask {
                                let response = try await client.execute(
                                    uri: request.uri, method: .post, headers: request.headers, body: ByteBuffer(bytes: request.body))
                                outcomes.withLock { $0[response.status.code, default: 0] += 1 }
                                let label = "seed \(seed) case \(request.index) \(request.uri) status \(response.status.code)"
                                try Self.check(response, uri: request.uri, label: label)
                            }
                        }
                        try await group.waitForAll()
                    }
                }
            }
            // A real mix: served, refused for each reason, not found.
            let seen = outcomes.withLock { $0 }
            for status in [200, 400, 401, 404, 413, 415] { #expect((seen[status] ?? 0) > 0, "no \(status) among \(seen)") }
            #expect(seen[500] == nil)
            #expect(try await JournalVerification.verify(gateway.store).isIntact)
        }
        print("readaudit-fuzz: RouterFuzzTests \(Self.cases) cases")
    }

    static func check(_ response: TestResponse, uri: String, label: String) throws {
        let status = response.status
        #expect(status.code != 500, "\(label)")
        // Hummingbird's router ignores a trailing slash: `/v1/customer-data/` is the same operation, audited alike.
        #expect(response.headers[.cacheControl] == "no-store", "\(label)")
        if status == .ok {
            #expect(uri.hasPrefix("/v1/customer-data"), "\(label)")
            #expect(response.headers[.auditEventId] != nil, "\(label)")
            return
        }
        if uri == "/v1/interactions/events", status == .accepted || status == .noContent { return }
        try ErrorBodyShape.check(Array(buffer: response.body), status: status, label: label)
        #expect(response.headers[.auditEventId] != nil || status == .serviceUnavailable, "unaudited refusal: \(label)")
    }
}

/// The documented error body: `{"error":{"code","message","field"}}` and nothing else, the code one of
/// `GatewayError.Code.all`, and the HTTP status the one that code maps to.
enum ErrorBodyShape {
    static func check(_ body: [UInt8], status: HTTPResponse.Status, label: String) throws {
        let text = String(decoding: body, as: UTF8.self)
        guard let root = try? JSONParser.parse(body), let top = root.objectMembers, top.count == 1, top[0].0 == "error",
            let error = top[0].1.objectMembers
        else {
            Issue.record("not an error body (\(label)): \(text.prefix(300))")
            return
        }
        #expect(error.map(\.0) == ["code", "message", "field"], "\(label): \(text.prefix(300))")
        guard case .string(let codeText) = error[0].1, let code = GatewayError.Code(rawValue: codeText) else {
            Issue.record("undocumented error code (\(label)): \(text.prefix(300))")
            return
        }
        #expect(code.status == status, "\(codeText) answered with \(status.code): \(label)")
        #expect(code.status.code >= 400 && code.status.code < 600 && code != .internalError, "\(label)")
        if case .string = error[1].1 {} else { Issue.record("message is not a string: \(label)") }
        switch error[2].1 {
        case .string, .null: break
        default: Issue.record("field is neither a string nor null: \(label)")
        }
    }
}
