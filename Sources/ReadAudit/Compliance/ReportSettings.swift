import Foundation

/// Agent display names for internal reports (`directory:` in the configuration). Only internal views
/// and the agent-activity report use it; a data-subject view never names an employee.
public struct AgentDirectory: Sendable, Equatable {
    /// Agent id (lower-cased) → display name.
    private var names: [String: String]

    public init(_ names: [String: String] = [:]) {
        self.names = Dictionary(names.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, new in new })
    }

    public var isEmpty: Bool { names.isEmpty }
    public var count: Int { names.count }
    /// Every entry, by lower-cased agent id.
    public var entries: [String: String] { names }

    /// The display name of `agent`, if the directory has one.
    public func name(of agent: String?) -> String? {
        agent.flatMap { names[$0.lowercased()] }
    }

    /// Parses `agentId,name` lines (an optional header line naming those columns; RFC 4180 quotes).
    public static func parseCSV(_ text: String) throws -> AgentDirectory {
        var names: [String: String] = [:]
        for (number, row) in CSVText.parse(text).enumerated() {
            if row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            if number == 0, row.first?.trimmingCharacters(in: .whitespaces).lowercased() == "agentid" { continue }
            guard row.count == 2, !row[0].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ConfigurationError("directory.file: line \(number + 1) must be agentId,name")
            }
            names[row[0].trimmingCharacters(in: .whitespaces)] = row[1].trimmingCharacters(in: .whitespaces)
        }
        return AgentDirectory(names)
    }
}

/// What reports say besides the journal: who the controller is, why customers' data is consulted, and
/// the agent directory (`reports:` and `directory:` in the configuration).
public struct ReportSettings: Sendable, Equatable {
    /// The organisation responsible for the data, named on data-subject reports (optional).
    public var controller: String?
    /// The purpose of a consultation, as told to the data subject.
    public var purpose: String
    /// Agent names for internal views.
    public var directory: AgentDirectory

    /// The purpose stated when none is configured.
    public static let defaultPurpose = "Customer service contact"

    public init(controller: String? = nil, purpose: String = ReportSettings.defaultPurpose, directory: AgentDirectory = AgentDirectory()) {
        self.controller = controller
        self.purpose = purpose
        self.directory = directory
    }
}
