import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

@Suite struct ChainVerifierTests {
    static func chain(_ count: Int) -> [JournalEntry] {
        var previous = ChainHash.genesis
        return (1...count).map { index in
            let entry = JournalEntry.seal(JournalTests.draft(index), sequence: Int64(index), after: previous)
            previous = entry.hash
            return entry
        }
    }

    static func firstProblem(_ entries: [JournalEntry]) -> ChainProblem? {
        var verifier = ChainVerifier()
        for entry in entries { if let problem = verifier.check(entry) { return problem } }
        return nil
    }

    static func summary(_ problem: ChainProblem) -> String { "\(problem.sequence) \(problem.kind.rawValue)" }

    @Test func anIntactChainHasNoProblem() {
        #expect(Self.firstProblem(Self.chain(20)) == nil)
    }

    @Test func anEditIsContentsAltered() {
        var entries = Self.chain(20)
        entries[6].event.customer = "C-evil"
        #expect(Self.firstProblem(entries).map(Self.summary) == "7 contents_altered")
    }

    @Test func aDeletionIsAMissingSequence() {
        var entries = Self.chain(20)
        entries.remove(at: 9)
        #expect(Self.firstProblem(entries).map(Self.summary) == "10 missing_sequence")
    }

    @Test func aResealedEditStillBreaksTheNextLink() {
        // An attacker who rehashes the edited entry but not the rest of the chain.
        var entries = Self.chain(20)
        var edited = entries[4].event
        edited.agent = "someone-else"
        entries[4] = JournalEntry.seal(edited, sequence: 5, after: entries[3].hash)
        #expect(Self.firstProblem(entries).map(Self.summary) == "6 broken_link")
    }

    @Test func aDuplicatedEntryIsABrokenLink() {
        var entries = Self.chain(5)
        entries.insert(entries[1], at: 2)
        #expect(Self.firstProblem(entries).map(Self.summary) == "3 broken_link")
    }
}

@Suite struct JSONParserTests {
    @Test(arguments: [
        "", "{", "{\"a\":}", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\\x\"", "\"\u{01}\"", "{\"a\":1}{}",
        "nul", "\"\\ud800\"", "{\"a\":1,\"a\":2}", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func keepsNumbersAsWrittenAndDecodesEscapes() throws {
        let value = try JSONParser.parse(Array(#" {"b": 1234.50, "a": [true, null, -1e-3], "s": "\u00e9\ud83d\ude00\n\u0000"} "#.utf8))
        let members = try #require(value.objectMembers)
        #expect(members.map(\.0) == ["b", "a", "s"])
        #expect(members[0].1 == .number("1234.50"))
        #expect(members[1].1 == .array([.bool(true), .null, .number("-1e-3")]))
        #expect(members[2].1 == .string("é😀\n\u{0}"))
    }

    @Test func flatteningJoinsNamesWithUnderscores() {
        let flat = JSONValue.flatten([
            "address": .object([("city", .string("X")), ("geo", .object([("lat", .number("1"))]))]),
            "phones": .array([.string("1"), .string("2")]), "empty": .object([]), "name": .string("N"),
        ])
        #expect(flat.map(\.name) == ["address_city", "address_geo_lat", "empty", "name", "phones_0", "phones_1"])
        #expect(flat.map(\.leaf) == ["city", "lat", "empty", "name", "phones", "phones"])
    }

    @Test func aFlatteningCollisionIsDecidedTheSameWayEveryTime() {
        for _ in 0..<20 {
            let flat = JSONValue.flatten(["a_b": .string("literal"), "a": .object([("b", .string("nested"))])])
            #expect(flat.map(\.name) == ["a_b"])
            #expect(flat.first?.value == .string("literal"))
        }
    }
}

@Suite struct FieldPolicyTests {
    let credential = TestCredentials.credential

    @Test(arguments: [
        ("123-45-6789", MaskRule.last4, "***-**-6789"),
        ("123456789", .last4, "*****6789"),
        ("6789", .last4, "****"),
        ("4000001234567899", .pan, "400000******7899"),
        ("4000 0012 3456 7899", .pan, "4000 00** **** 7899"),
        ("378282246310005", .pan, "378282*****0005"),
        ("12345678901", .pan, "***********"),
        ("anything", .redact, "[redacted]"),
    ])
    func masks(_ input: String, _ rule: MaskRule, _ expected: String) {
        let result = FieldPolicy(masks: ["f": rule]).apply(to: ["f": .string(input)], for: credential)
        #expect(result.fields.first?.1 == .string(expected))
        #expect(result.maskedNames == ["f"])
    }

    @Test func numbersAreMaskedAsText() {
        let result = FieldPolicy().apply(to: ["ssn": .number("123456789")], for: credential)
        #expect(result.fields.first?.1 == .string("*****6789"))
    }

    @Test func aNestedValueUnderAMaskIsFlattenedThenMasked() {
        let record: [String: JSONValue] = ["card": .object([("pan", .string("4000001234567899"))])]
        let result = FieldPolicy(masks: ["card_pan": .pan]).apply(to: record, for: credential)
        #expect(result.fields.map(\.0) == ["card_pan"])
        #expect(result.fields.first?.1 == .string("400000******7899"))
    }

    @Test func aMaskCoversItsFieldWhereverTheCRMNestsIt() {
        let record: [String: JSONValue] = [
            "payment": .object([("cardNumber", .string("4000001234567899"))]),
            "people": .array([.object([("ssn", .string("123-45-6789"))])]),
            "cardNumber": .array([.string("5555550000004444")]),
        ]
        let result = FieldPolicy().apply(to: record, for: credential)
        #expect(result.fields.map(\.0) == ["cardNumber_0", "payment_cardNumber", "people_0_ssn"])
        #expect(result.fields.map(\.1) == [.string("555555******4444"), .string("400000******7899"), .string("***-**-6789")])
        #expect(result.maskedNames == ["cardNumber_0", "payment_cardNumber", "people_0_ssn"])
    }

    @Test func fieldsOutsideTheCredentialsListAreDropped() {
        var limited = credential
        limited.allowedFields = ["name"]
        let result = FieldPolicy().apply(to: ["name": .string("N"), "ssn": .string("123-45-6789")], for: limited)
        #expect(result.fieldNames == ["name"])
        #expect(result.maskedNames.isEmpty)
        #expect(String(decoding: result.jsonBytes, as: UTF8.self) == #"{"name":"N"}"#)
    }
}

@Suite struct AuthenticatorTests {
    let authenticator = CallerAuthenticator(credentials: [
        TestCredentials.credential,
        CallerCredential(name: "other", keyHash: CallerCredential.parseHash(CallerCredential.hashText(ofKey: "ra_other"))!),
    ])

    @Test func bearerAndBasicFindTheirCredential() {
        #expect(authenticator.authenticate(authorization: TestCredentials.bearer)?.name == TestCredentials.name)
        #expect(authenticator.authenticate(authorization: TestCredentials.basic)?.name == TestCredentials.name)
        #expect(authenticator.authenticate(authorization: "bearer ra_other")?.name == "other")
    }

    @Test(arguments: [nil, "", "Bearer", "Bearer ", "Bearer ra_nope", "Basic !!!", "Basic " + Data("genesys-test".utf8).base64EncodedString(),
                      "Basic " + Data("other:\(TestCredentials.key)".utf8).base64EncodedString(), "Token \(TestCredentials.key)"])
    func refuses(_ header: String?) {
        #expect(authenticator.authenticate(authorization: header) == nil)
    }

    @Test func generatedKeysAreLongAndDistinct() {
        let a = CallerCredential.generateKey()
        let b = CallerCredential.generateKey()
        #expect(a != b && a.count >= 40 && a.hasPrefix("ra_"))
        #expect(CallerCredential.parseHash(CallerCredential.hashText(ofKey: a)) != nil)
        #expect("\(Secret(a))" == "<redacted>")
    }
}

@Suite struct AuditTimeTests {
    @Test func formatsAndParsesRFC3339() throws {
        let time = AuditTime(microseconds: 1_795_000_000_123_456)
        #expect(time.description == "2026-11-18T11:06:40.123456Z")
        #expect(AuditTime(parsing: time.description) == time)
        #expect(AuditTime(parsing: "2026-11-18T12:06:40.123456+01:00") == time)
        #expect(AuditTime(parsing: "2026-11-18")?.description == "2026-11-18T00:00:00.000000Z")
        #expect(AuditTime(parsing: "yesterday") == nil)
        #expect(AuditTime(parsing: "2026-13-01") == nil)
    }

    @Test func eventIDsAreVersion7AndTimeOrdered() {
        let early = EventID.make(at: AuditTime(microseconds: 1_000_000_000_000))
        let late = EventID.make(at: AuditTime(microseconds: 2_000_000_000_000))
        #expect(early.rawValue < late.rawValue)
        #expect(Array(early.rawValue)[14] == "7")
        #expect(EventID(rawValue: early.rawValue) == early)
    }
}
