import Foundation

extension ReadAuditConfiguration {
    /// `reports: {controller, purpose}` and `directory: {agents: {<id>: <name>}, file: <agentId,name CSV>}`.
    mutating func applyReports(_ top: YAMLMap, baseDirectory: String) throws {
        if let map = try top.map("reports") {
            try map.allowOnly(["controller", "purpose"])
            if let value = try map.string("controller") { reports.controller = value }
            if let value = try map.string("purpose") {
                guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw map.error("purpose", "must not be empty") }
                reports.purpose = value
            }
        }
        if let map = try top.map("directory") {
            try map.allowOnly(["agents", "file"])
            var names: [String: String] = [:]
            if let path = try map.string("file") {
                let resolved = path.hasPrefix("/") || baseDirectory.isEmpty ? path : (baseDirectory as NSString).appendingPathComponent(path)
                guard let text = try? String(contentsOfFile: resolved, encoding: .utf8) else {
                    throw map.error("file", "names the file \(resolved), which cannot be read")
                }
                let parsed = try AgentDirectory.parseCSV(text)
                names = parsed.entries
            }
            if let agents = try map.map("agents") {
                for agent in agents.keys {
                    guard let name = try agents.string(agent), !name.isEmpty else { throw agents.error(agent, "must be a display name") }
                    names[agent] = name
                }
            }
            reports.directory = AgentDirectory(names)
        }
    }
}
