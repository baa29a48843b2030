import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing
@testable import readaudit

/// Acceptance 4: the Data Action JSON `readaudit genesys action` prints obeys Genesys' contract rules.
@Suite struct GenesysActionTests {
    static func printedAction() throws -> [String: Any] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.file("readaudit.yaml")
        try """
            credentials:
              - name: genesys-prod
                keyHash: "\(CallerCredential.hashText(ofKey: "k"))"
                fields: [customerId, firstName, lastName, ssn, address_city, accountBalance]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let command = try GenesysCommand.Action.parse([
            "--config", config, "--url", "https://readaudit.example.com/", "--field", "accountBalance:number", "--timeout", "8",
        ])
        let text = try command.render()
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func containsArray(_ value: Any) -> Bool {
        if value is [Any] { return true }
        if let object = value as? [String: Any] { return object.values.contains(where: containsArray) }
        return false
    }

    @Test func theActionHasTheImportShape() throws {
        let action = try Self.printedAction()
        #expect(action["integrationType"] as? String == "custom-rest-actions")
        #expect(action["actionType"] as? String == "custom")
        #expect(action["secure"] as? Bool == true)
        let config = try #require(action["config"] as? [String: Any])
        let request = try #require(config["request"] as? [String: Any])
        #expect(request["requestUrlTemplate"] as? String == "https://readaudit.example.com/v1/customer-data")
        #expect(request["requestType"] as? String == "POST")
        #expect(config["timeoutSeconds"] as? Int == 8)
    }

    @Test func theInputContractIsFlatAndEveryInputIsEscapedInTheTemplate() throws {
        let action = try Self.printedAction()
        let contract = try #require(action["contract"] as? [String: Any])
        let schema = try #require((contract["input"] as? [String: Any])?["inputSchema"] as? [String: Any])
        let properties = try #require(schema["properties"] as? [String: [String: Any]])
        #expect(Set(properties.keys) == ["customerId", "agentId", "interactionId"])
        for (_, property) in properties {
            #expect(property["type"] as? String == "string")
            #expect(property.values.allSatisfy { !($0 is [String: Any]) && !($0 is [Any]) })
        }
        #expect(Set(schema["required"] as? [String] ?? []) == ["customerId", "agentId", "interactionId"])
        let template = try #require(((action["config"] as? [String: Any])?["request"] as? [String: Any])?["requestTemplate"] as? String)
        for name in properties.keys {
            #expect(template.contains("\"$esc.jsonString(${input.\(name)})\""))
            #expect(template.components(separatedBy: "${input.\(name)}").count == 2)
        }
        #expect(!template.replacingOccurrences(of: "$esc.jsonString(${input.", with: "").contains("${input."))
    }

    @Test func theOutputContractIsFlatWithoutArraysAndEachPropertyIsTranslated() throws {
        let action = try Self.printedAction()
        let contract = try #require(action["contract"] as? [String: Any])
        let output = try #require(contract["output"] as? [String: Any])
        #expect(!Self.containsArray(output))
        let schema = try #require(output["successSchema"] as? [String: Any])
        let properties = try #require(schema["properties"] as? [String: [String: Any]])
        #expect(Set(properties.keys) == ["customerId", "firstName", "lastName", "ssn", "address_city", "accountBalance"])
        #expect(properties["accountBalance"]?["type"] as? String == "number")
        for (_, property) in properties { #expect(["string", "number", "integer", "boolean"].contains(property["type"] as? String ?? "")) }
        let response = try #require((action["config"] as? [String: Any])?["response"] as? [String: Any])
        let map = try #require(response["translationMap"] as? [String: String])
        for name in properties.keys { #expect(map[name] == "$.\(name)") }
        let defaults = try #require(response["translationMapDefaults"] as? [String: String])
        #expect(Set(defaults.keys) == Set(map.keys))
        let success = try #require(response["successTemplate"] as? String)
        for name in properties.keys { #expect(success.contains("\"\(name)\": ${\(name)}")) }
    }
}
