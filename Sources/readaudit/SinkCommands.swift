import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOPosix
import ReadAudit

struct Sinks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the configured sinks.", subcommands: [Test.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an audit.sink_test event and send it to every configured sink; print what each said.")

        @Option(name: .long, help: "Configuration file (YAML).")
        var config: String?

        func run() async throws {
            let configuration = try ReadAuditConfiguration.load(path: config)
            let logger = makeLogger("readaudit.sinks", level: "warning")
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
            let store = try JournalStore(path: configuration.journalPath)
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            // The test event goes through the journal like any other, so its id is in the chain; the
            // shippers will deliver it again later under the same id.
            let entry = try await SQLiteJournal.withRunning(store: store, logger: logger) { journal in
                let time = SystemWallClock().now()
                return try await journal.append(AuditEventDraft(
                    id: .make(at: time), time: time, node: configuration.node, action: .sinkTest, outcome: .ok,
                    credential: "cli:\(NSUserName())", detail: ["sinks": configuration.sinks.map(\.name).joined(separator: ",")]))
            }
            var failures = 0
            for sinkConfiguration in configuration.sinks {
                let configured = SinkFactory.make(sinkConfiguration, in: configuration, client: client, logger: logger)
                let result = await configured.sink.deliver(SinkBatch(entries: [entry]))
                let verdict: String
                switch result {
                case .delivered: verdict = "delivered"
                case .partial(_, let reason?): verdict = "refused the event: \(reason)"
                case .partial: verdict = "did not confirm delivery"
                case .retry(let reason): verdict = "failed, would retry: \(reason)"
                case .rejected(let reason): verdict = "refused us: \(reason)"
                }
                if result != .delivered { failures += 1 }
                print("\(sinkConfiguration.name) (\(sinkConfiguration.kind.typeName)): \(verdict)")
            }
            try await client.shutdown()
            print("test event \(entry.event.id) (seq \(entry.sequence))")
            if failures > 0 { throw ExitCode(1) }
        }
    }
}

struct HashID: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-id",
        abstract: "Print the pseudonym (hmac-sha256:<hex>) a pseudonymising sink sends for a customer id, to search the SIEM with.")

    @Option(name: .long, help: "Configuration file (YAML) naming the deployment's pseudonymKey.")
    var config: String?

    @Argument(help: "The customer id.")
    var customerId: String

    func run() async throws {
        let configuration = try ReadAuditConfiguration.load(path: config)
        guard let key = configuration.pseudonymKey else {
            throw ValidationError("The configuration has no pseudonymKey; sinks send customer ids as they are.")
        }
        print(EventExporter.pseudonym(of: customerId, key: SymmetricKey(data: Data(key.value.utf8))))
    }
}
