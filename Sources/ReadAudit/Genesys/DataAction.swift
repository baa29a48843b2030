/// The Genesys Cloud Web Services Data Action that calls `POST /v1/customer-data`, as the JSON Genesys
/// imports: a flat input contract, a request template escaping every input, and a flat output contract
/// with a translation map derived from the field policy. Pure: `readaudit genesys action` prints it.
public struct DataAction: Sendable {
    /// One output property: a flattened field name the credential may see, and its JSON type.
    public struct Output: Sendable, Equatable {
        public var name: String
        /// `string`, `number`, `integer` or `boolean`.
        public var type: String
        public init(name: String, type: String = "string") {
            self.name = name
            self.type = type
        }
    }

    /// How the Genesys integration authenticates to the gateway.
    public enum Credential: String, Sendable, CaseIterable {
        /// Basic Auth credentials: Genesys sends `Authorization: Basic ...` itself.
        case basic
        /// User Defined credentials with a field `key`: the action sends `Authorization: Bearer ${credentials.key}`.
        case userDefined = "user-defined"
    }

    /// The input properties, all required strings.
    public static let inputs = CustomerDataRequestValidator.fieldNames
    public static let outputTypes: Set<String> = ["string", "number", "integer", "boolean"]

    public var name: String
    public var gatewayURL: String
    public var timeoutSeconds: Int
    public var credential: Credential
    public var outputs: [Output]

    public init(name: String = "ReadAudit customer data", gatewayURL: String, timeoutSeconds: Int = 10, credential: Credential = .basic, outputs: [Output]) {
        self.name = name
        self.gatewayURL = gatewayURL
        self.timeoutSeconds = min(max(timeoutSeconds, 1), 60)
        self.credential = credential
        self.outputs = outputs
    }

    /// The outputs a credential may see: its allowed fields (flattened names), sorted; masked fields are strings.
    public static func outputs(for credential: CallerCredential?, types: [String: String] = [:]) -> [Output] {
        let names = (credential?.allowedFields ?? []).union(types.keys)
        return names.sorted().map { Output(name: $0, type: types[$0] ?? "string") }
    }

    /// The action as a JSON value.
    public var json: JSONValue {
        let base = gatewayURL.hasSuffix("/") ? String(gatewayURL.dropLast()) : gatewayURL
        var headers: [(String, JSONValue)] = [("Content-Type", .string("application/json"))]
        if credential == .userDefined { headers.append(("Authorization", .string("Bearer ${credentials.key}"))) }
        let template = "{" + Self.inputs.map { "\"\($0)\": \"$esc.jsonString(${input.\($0)})\"" }.joined(separator: ", ") + "}"
        let success = "{" + outputs.map { "\"\($0.name)\": ${\(Self.variable($0.name))}" }.joined(separator: ", ") + "}"
        let schema = JSONValue.string("http://json-schema.org/draft-04/schema#")
        return .object([
            ("name", .string(name)),
            ("integrationType", .string("custom-rest-actions")),
            ("actionType", .string("custom")),
            ("config", .object([
                ("request", .object([
                    ("requestUrlTemplate", .string(base + "/v1/customer-data")),
                    ("requestType", .string("POST")),
                    ("headers", .object(headers)),
                    ("requestTemplate", .string(template)),
                ])),
                ("response", .object([
                    ("translationMap", .object(outputs.map { (Self.variable($0.name), .string("$." + $0.name)) })),
                    ("translationMapDefaults", .object(outputs.map { (Self.variable($0.name), .string("null")) })),
                    ("successTemplate", .string(success)),
                ])),
                ("timeoutSeconds", .number(String(timeoutSeconds))),
            ])),
            ("contract", .object([
                ("input", .object([("inputSchema", .object([
                    ("$schema", schema), ("title", .string("ReadAudit read request")), ("type", .string("object")),
                    ("required", .array(Self.inputs.map { .string($0) })),
                    ("properties", .object(Self.inputs.map { ($0, .object([("type", .string("string"))])) })),
                    ("additionalProperties", .bool(true)),
                ]))])),
                ("output", .object([("successSchema", .object([
                    ("$schema", schema), ("title", .string("ReadAudit customer record")), ("type", .string("object")),
                    ("properties", .object(outputs.map { ($0.name, .object([("type", .string($0.type))])) })),
                    ("additionalProperties", .bool(true)),
                ]))])),
            ])),
            ("secure", .bool(true)),
        ])
    }

    /// The action's JSON text.
    public var text: String {
        var out = JSONText(capacity: 2048)
        json.write(to: &out)
        return out.string
    }

    /// A Velocity-safe variable name for an output (field names may hold `.` or `-`).
    static func variable(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}
