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

    /// Writes the node's configuration (`extraYAML` appended at the top level) and starts it.
    public init(name: String, server: RealPostgres, crmURL: String, extraYAML: String = "") async throws {
        self.name = name
        directory = try TemporaryDirectory()
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
            \(extraYAML)
            """.write(toFile: configurationFile, atomically: true, encoding: .utf8)
        gateway = try RunningGateway(arguments: ["serve", "--config", configurationFile])
        port = try await gateway.waitForPort()
    }

    deinit { directory.remove() }

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

    /// The node's local journal (open it after `stop()`, or read-only while it runs).
    public func journal() throws -> JournalStore { try JournalStore(path: directory.file("journal.sqlite")) }

    /// SIGTERM and wait: the shippers drain into PostgreSQL before the process exits.
    public func stop() { gateway.terminate() }
}
