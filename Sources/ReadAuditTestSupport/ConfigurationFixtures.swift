import Foundation
import ReadAudit

extension ReadAuditConfiguration {
    /// Loads `yaml` as a configuration file would be (written to a temporary file, removed afterwards), with
    /// `environment` for its secrets: the configuration suites' one way in.
    public static func load(yaml: String, environment: [String: String] = [:]) throws -> ReadAuditConfiguration {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("c.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ReadAuditConfiguration.load(path: path, environment: environment)
    }
}
