import ArgumentParser
import Foundation
import ReadAudit

/// `readaudit genesys action`: the Data Action JSON to import into Genesys Cloud.
struct GenesysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesys", abstract: "Genesys Cloud kit: the Data Action to import.", subcommands: [Action.self])

    struct Action: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Web Services Data Action JSON (import it under Admin > Integrations > Actions).")

        @Option(name: .long, help: "Configuration file (YAML); its credential's fields become the output contract.")
        var config: String?

        @Option(name: .long, help: "The gateway's public base URL, as Genesys reaches it.")
        var url: String = "https://readaudit.example.com"

        @Option(name: .long, help: "The credential whose allowed fields make the output contract (default: the only one).")
        var credential: String?

        @Option(name: .long, parsing: .upToNextOption, help: "Output fields as name or name:type (string, number, integer, boolean).")
        var field: [String] = []

        @Option(name: .customLong("credential-type"), help: "basic or user-defined.")
        var credentialType: String = "basic"

        @Option(name: .long, help: "Action timeout in seconds (1-60).")
        var timeout: Int = 10

        func run() async throws {
            print(try render())
        }

        func render() throws -> String {
            guard let kind = DataAction.Credential(rawValue: credentialType) else { throw ValidationError("--credential-type must be basic or user-defined") }
            guard (1...60).contains(timeout) else { throw ValidationError("--timeout must be between 1 and 60") }
            guard let parsed = URL(string: url), parsed.scheme == "https" || parsed.scheme == "http", parsed.host != nil else {
                throw ValidationError("--url must be the gateway's http(s) base URL")
            }
            let configuration = try ReadAuditConfiguration.load(path: config, resolvingSecrets: false)
            var chosen: CallerCredential?
            if let credential {
                guard let found = configuration.credentials.first(where: { $0.name == credential }) else {
                    throw ValidationError("No credential named \(credential) in the configuration")
                }
                chosen = found
            } else if configuration.credentials.count == 1 {
                chosen = configuration.credentials[0]
            }
            var types: [String: String] = [:]
            for item in field {
                let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
                let type = parts.count == 2 ? parts[1] : "string"
                guard !parts[0].isEmpty, DataAction.outputTypes.contains(type) else { throw ValidationError("--field \(item): use name or name:type") }
                types[parts[0]] = type
            }
            let outputs = DataAction.outputs(for: chosen, types: types)
            guard !outputs.isEmpty else {
                throw ValidationError("No output fields: give the credential a `fields` list in the configuration, or pass --field.")
            }
            let action = DataAction(gatewayURL: url, timeoutSeconds: timeout, credential: kind, outputs: outputs)
            let object = try JSONSerialization.jsonObject(with: Data(action.text.utf8))
            let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: pretty, as: UTF8.self)
        }
    }
}
