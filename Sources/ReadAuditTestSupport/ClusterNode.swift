import AsyncHTTPClient
import Foundation
import NIOCore
import ReadAudit

/// One gateway node of a multi-node deployment, as a real `readaudit serve` process on its own data
/// directory, sharing `server` (PostgreSQL) with the other nodes and `crm` with them too.
public final class ClusterNode: Sendable {
    public let name: String
    public let directory: TemporaryDirectory
    public let configurationFile: String
    public let gateway: RunningGateway
    public let port: Int
    /// False for a restarted node: the first one owns (and removes) the directory.
    private let ownsDirectory: Bool

    /// Writes the node's configuration (`extraYAML` appended at the top level, `clusterYAML` inside
    /// `cluster:`, indented by two spaces) and starts it.
    public init(name: String, server: RealPostgres, crmURL: String, extraYAML: String = "", clusterYAML: String = "") async throws {
        self.name = name
        directory = try TemporaryDirectory()
        ownsDirectory = true
        configurationFile = directory.file("readaudit.yaml")
        setenv("READAUDIT_PG_PASSWORD", server.password, 1)
        try """
            node: \(name)
            dataDirectory: \(directory.path)
            logLevel: info
            listen: {host: 127.0.0.1, port: 0}
            crm: {url: "\(crmURL)", connectTimeoutMs: 3000, readTimeoutMs: 6000}
            credentials:
              - name: \(TestCredentials.name)
                keyHash: "\(CallerCredential.hashText(ofKey: TestCredentials.key))"
            adminCredentials:
              - name: auditor
                role: auditor
                keyHash: "\(CallerCredential.hashText(ofKey: ClusterNode.auditorKey))"
              - name: admin
                role: admin
                keyHash: "\(CallerCredential.hashText(ofKey: ClusterNode.adminKey))"
            sinks:
              - {type: file, name: file, path: audit.jsonl}
            \(server.clusterYAML)
            \(clusterYAML.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            \(extraYAML)
            """.write(toFile: configurationFile, atomically: true, encoding: .utf8)
        gateway = try RunningGateway(arguments: ["serve", "--config", configurationFile])
        port = try await gateway.waitForPort()
    }

    private init(restarting node: ClusterNode) async throws {
        name = node.name
        directory = node.directory
        configurationFile = node.configurationFile
        ownsDirectory = false
        gateway = try RunningGateway(arguments: ["serve", "--config", configurationFile])
        port = try await gateway.waitForPort()
    }

    /// The same node started again on its data directory (after `stop()` or `kill()`), on a new port.
    public func restarted() async throws -> ClusterNode { try await ClusterNode(restarting: self) }

    deinit { if ownsDirectory { directory.remove() } }

    /// SIGKILL: the node dies at once, as in a crash or a lost machine.
    public func kill() { gateway.kill9() }

    /// Runs `readaudit <arguments> --config <this node's file>` and returns its exit status and output.
    public func command(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ReadAuditBinary.run(arguments + ["--config", configurationFile])
    }

    /// The auditor's admin API key (role auditor) on every node this helper starts.
    public static let auditorKey = "ra_cluster-auditor-key-for-tests-only-0123456789"
    /// The admin's admin API key (role admin).
    public static let adminKey = "ra_cluster-admin-key-for-tests-only-0123456789ab"

    /// One read through this node: the status and the `Audit-Event-Id` header; nil status when no answer came.
    public func read(customer: String, agent: String = TestCredentials.agentId) async -> (status: Int?, eventId: String?) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/customer-data")
        request.method = .POST
        request.headers.add(name: "Authorization", value: TestCredentials.bearer)
        request.headers.add(name: "Content-Type", value: "application/json")
        var json = JSONText()
        json.raw("{")
        json.key("customerId", first: true)
        json.string(customer)
        json.key("agentId")
        json.string(agent)
        json.key("interactionId")
        json.string(TestCredentials.interactionId)
        json.raw("}")
        request.body = .bytes(ByteBuffer(string: json.string))
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)) else { return (nil, nil) }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Audit-Event-Id"))
    }

    /// A GET of the admin API with `key` (Bearer): the status and body.
    public func admin(_ path: String, key: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// The node's local journal (open it after `stop()`, or read-only while it runs).
    public func journal() throws -> JournalStore { try JournalStore(path: directory.file("journal.sqlite")) }

    /// SIGTERM and wait: the shippers drain into PostgreSQL before the process exits.
    public func stop() { gateway.terminate() }
}
