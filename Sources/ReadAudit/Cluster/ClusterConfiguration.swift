import Foundation

/// Multi-node mode (`cluster:`): several gateways share one PostgreSQL. Each node keeps its own journal and
/// chain, and ships a copy to PostgreSQL, where admin queries, reports, verification, the cross-node detector
/// and the shared deny list meet. Absent (the default), a gateway runs alone on its SQLite journal.
public struct ClusterConfiguration: Sendable, Equatable {
    public var postgres: PostgresSettings
    /// How often a node that is not the detector's leader tries to take the lead (fail-over time).
    public var leaderCheckInterval: Duration = .seconds(1)
    /// The longest the leader waits between looks at PostgreSQL when no NOTIFY woke it.
    public var detectorPollInterval: Duration = .milliseconds(250)
    /// How often a node re-reads the whole deny list from PostgreSQL (NOTIFY makes changes arrive at once;
    /// this catches a notification lost in a reconnect).
    public var denyListResync: Duration = .seconds(5)
    /// How long a shipped batch may wait for more events before it goes to PostgreSQL.
    public var shipDelay: Duration = .milliseconds(50)
    /// Events per INSERT into PostgreSQL.
    public var shipBatch: Int = 2000

    public init(postgres: PostgresSettings) {
        self.postgres = postgres
    }
}

/// Where PostgreSQL is and how to log in. The password never appears in the file: it comes from an
/// environment variable or a file (`password: {env: NAME}` or `{file: PATH}`).
public struct PostgresSettings: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP (loopback or a private network only).
        case disable
        /// TLS when the server offers it, else plain.
        case prefer
        /// TLS or no connection; the server's certificate is verified (against `caFile` when given).
        case require
    }

    public var host: String = "127.0.0.1"
    public var port: Int = 5432
    public var database: String = "readaudit"
    public var user: String = "readaudit"
    public var password: Secret?
    /// Why the password could not be read, when the configuration was loaded without requiring secrets.
    public var passwordProblem: String?
    public var tls: TLSMode = .prefer
    /// A PEM bundle of the CAs to trust for the server's certificate (the system's store when absent).
    public var caFile: String?
    /// The name the server's certificate must carry, when it differs from `host` (connecting by address).
    public var serverName: String?
    /// Connections in this node's pool (the sink, queries, the deny list's listener and the leader hold one each).
    public var poolSize: Int = 8
    public var connectTimeout: Duration = .seconds(5)

    public init() {}

    public static func == (lhs: PostgresSettings, rhs: PostgresSettings) -> Bool {
        lhs.host == rhs.host && lhs.port == rhs.port && lhs.database == rhs.database && lhs.user == rhs.user
            && lhs.password?.value == rhs.password?.value && lhs.passwordProblem == rhs.passwordProblem && lhs.tls == rhs.tls && lhs.caFile == rhs.caFile && lhs.serverName == rhs.serverName
            && lhs.poolSize == rhs.poolSize && lhs.connectTimeout == rhs.connectTimeout
    }
}
