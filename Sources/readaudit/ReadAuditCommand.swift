import ArgumentParser
import Foundation
import Logging
import ReadAudit

@main
struct ReadAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readaudit",
        abstract: "A read-audit gateway: every look at a customer's private data is recorded, durably, before it is shown.",
        version: ReadAuditVersion.current,
        subcommands: [
            Serve.self, DemoCommand.self, Verify.self, Prove.self, Report.self, Keys.self, Sinks.self, HashID.self, Agents.self, GenesysCommand.self,
            ArchiveCommand.self,
        ])
}

/// Options shared by the commands that open a journal.
struct JournalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (YAML).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Data directory holding journal.sqlite (overrides the configuration).")
    var dataDirectory: String?

    func load() throws -> ReadAuditConfiguration {
        var configuration = try ReadAuditConfiguration.load(path: config, resolvingSecrets: false)
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        return configuration
    }
}

func makeLogger(_ label: String, level: String) -> Logger {
    LoggingSystem.bootstrap { DeferredMetadataLogHandler.standardError(label: $0) }
    var logger = Logger(label: label)
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway with a configuration file.")

    @Option(name: .long, help: "Configuration file (YAML); see readaudit.example.yaml.")
    var config: String

    func run() async throws {
        let configuration = try ReadAuditConfiguration.load(path: config)
        let logger = makeLogger("readaudit", level: configuration.logLevel)
        if configuration.credentials.isEmpty {
            logger.warning("No credentials are configured: every read will be refused with 401. Create one with `readaudit keys create`.")
        }
        try await Gateway.run(configuration: configuration, logger: logger)
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the gateway on its embedded defaults with a sample CRM, ready to curl.")

    @Option(name: .customLong("data-dir"), help: "Where the demo keeps its journal and audit copy.")
    var dataDirectory = "./readaudit-demo-data"

    @Option(name: .long, help: "Gateway port.")
    var port = 8080

    @Option(name: .customLong("crm-port"), help: "Sample CRM port.")
    var crmPort = 8081

    func run() async throws {
        let (configuration, key) = Demo.configuration(dataDirectory: dataDirectory, gatewayPort: port, crmPort: crmPort)
        let logger = makeLogger("readaudit", level: ProcessInfo.processInfo.environment["READAUDIT_LOG_LEVEL"] ?? "info")
        var ports = try await Gateway.makePorts(configuration: configuration, logger: logger)
        ports.services.append(SampleCRM.application(host: "127.0.0.1", port: crmPort, logger: logger))
        // Unbuffered, so the banner shows at once even when stdout is a file or a pipe.
        FileHandle.standardOutput.write(Data(Demo.banner(configuration: configuration, key: key).utf8))
        try await Gateway.run(configuration: configuration, logger: logger, ports: ports)
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A customer's access history (internal or data-subject view), or an agent's activity.",
        discussion: """
            --customer: who accessed the record, when, which fields, for which interaction, with what outcome \
            (--view internal, the default), or the dates, purposes and data of each consultation and nothing \
            about who consulted it (--view data-subject, for the customer). --agent: reads per day and hour, \
            customers viewed, outcomes and alerts. The report is recorded as an audit.report event first.
            """)

    @OptionGroup var options: JournalOptions

    @Option(name: .long, help: "The customer id (or give --agent).")
    var customer: String?

    @Option(name: .long, help: "The agent id, for an agent-activity report (or give --customer).")
    var agent: String?

    @Option(name: .long, help: "Start (inclusive): YYYY-MM-DD or an RFC 3339 time.")
    var from: String?

    @Option(name: .long, help: "End (exclusive): YYYY-MM-DD or an RFC 3339 time.")
    var to: String?

    @Option(name: .long, help: "internal or data-subject (customer reports only).")
    var view: String = "internal"

    @Option(name: .long, help: "text, csv, json or html.")
    var format: String = "text"

    func run() async throws {
        guard (customer == nil) != (agent == nil) else { throw ValidationError("Give exactly one of --customer or --agent.") }
        guard let format = AccessReport.Format(rawValue: format) else { throw ValidationError("--format must be text, csv, json or html") }
        guard let view = AccessReport.View(rawValue: view) else { throw ValidationError("--view must be internal or data-subject") }
        if agent != nil && view != .internal { throw ValidationError("--view data-subject is for customer reports only") }
        let from = try from.map { text in
            guard let time = AuditTime(parsing: text) else { throw ValidationError("--from: not a date or RFC 3339 time: \(text)") }
            return time
        }
        let to = try to.map { text in
            guard let time = AuditTime(parsing: text) else { throw ValidationError("--to: not a date or RFC 3339 time: \(text)") }
            return time
        }
        let configuration = try options.load()
        guard FileManager.default.fileExists(atPath: configuration.journalPath) else {
            throw ValidationError("No journal at \(configuration.journalPath).")
        }
        let logger = makeLogger("readaudit.report", level: "warning")
        let store = try JournalStore(path: configuration.journalPath)
        // Reports cover the whole trail: archived segments and the hot journal; in multi-node mode, every
        // node's events in PostgreSQL.
        let render: @Sendable (any AuditTrailReading) async throws -> (rows: Int, output: String) = { [customer, agent] trail in
            if let customer {
                let entries = try await trail.accesses(customer: customer, from: from, to: to)
                return (entries.count, AccessReport(customer: customer, from: from, to: to, entries: entries, view: view, settings: configuration.reports)
                    .render(format))
            }
            let report = AgentActivityReport(
                agent: agent!, from: from, to: to, entries: try await trail.entries(matching: .agentActivity(agent!), from: from, to: to),
                settings: configuration.reports)
            return (report.reads.count + report.alerts.count, report.render(format))
        }
        let (rows, output) = if let cluster = configuration.cluster {
            try await ClusterDatabase.withRunning(cluster.postgres, logger: logger) { database in try await render(ClusterTrail(database: database)) }
        } else {
            try await render(AuditTrail(store: store, archiveDirectory: configuration.archivePath))
        }
        // The look at the log is itself logged, before the answer is shown (PCI DSS 10.2.1.3).
        try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
            let time = SystemWallClock().now()
            var detail = ["rows": String(rows), "format": format.rawValue, "view": view.rawValue, "report": customer != nil ? "customer" : "agent"]
            if let from { detail["from"] = from.description }
            if let to { detail["to"] = to.description }
            _ = try await journal.append(AuditEventDraft(
                id: .make(at: time), time: time, node: configuration.node, action: .auditReport, outcome: .ok,
                credential: "cli:\(NSUserName())", agent: agent, customer: customer, detail: detail))
        }
        print(output, terminator: "")
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create integration credentials (only the hash goes in the configuration); show and rotate the checkpoint signing key.",
        subcommands: [Create.self, PublicKeys.self, Rotate.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new key and the credentials entry that accepts it.")

        @Option(name: .long, help: "Credential name (also the Basic auth user name).")
        var name: String

        func run() async throws {
            let key = CallerCredential.generateKey()
            print("""
                Key for \(name) (shown once; give it to the Genesys integration, never store it here):
                  \(key)

                Add to the configuration's credentials:
                  - name: \(name)
                    keyHash: "\(CallerCredential.hashText(ofKey: key))"

                Genesys sends it as 'Authorization: Bearer <key>', or with Basic auth as user '\(name)' and password <key>.
                """)
        }
    }
}
