import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The shared PostgreSQL of a multi-node deployment: one connection pool per node (PostgresNIO's
/// `PostgresClient`), the schema's migrations, and the month partitions of `readaudit.events`.
///
/// It is a service: it runs the pool. Place it before every service that uses it, so it stops after them.
public final class ClusterDatabase: Service, Sendable {
    public let client: PostgresClient
    public let settings: PostgresSettings
    let logger: Logger
    /// Longest wait for one statement, connection included: PostgreSQL being away must never hang a caller.
    public let statementTimeout: Duration
    /// Signalled when a node announces shipped events (NOTIFY `readaudit_events`): wakes the cross-node detector.
    public let eventsArrived = ClusterWake()

    public init(settings: PostgresSettings, logger: Logger, statementTimeout: Duration = .seconds(10)) throws {
        if let problem = settings.passwordProblem { throw ConfigurationError(problem) }
        self.settings = settings
        self.logger = logger
        self.statementTimeout = statementTimeout
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password?.value,
            database: settings.database, tls: try Self.tls(settings))
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.connectTimeout = settings.connectTimeout
        if let name = settings.serverName { configuration.options.tlsServerName = name }
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(30))
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        client = PostgresClient(configuration: configuration, backgroundLogger: background)
    }

    static func tls(_ settings: PostgresSettings) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        switch settings.tls {
        case .disable: return .disable
        case .prefer: return .prefer(tls)
        case .require: return .require(tls)
        }
    }

    let migrated = Mutex(false)

    /// Runs the pool, and brings the schema up to date as soon as PostgreSQL answers (retrying while it
    /// does not: a node starts and serves reads with PostgreSQL down).
    public func run() async throws {
        await runUntilShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.client.run() }
                group.addTask { await self.migrateUntilDone() }
                await group.waitForAll()
            }
        }
    }

    private func migrateUntilDone() async {
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await migrate()
                migrated.withLock { $0 = true }
                return
            } catch {
                let wait = delay
                logger.warning(
                    "Cannot bring the PostgreSQL schema up to date; retrying. Check cluster.postgres (host, credentials, TLS).",
                    metadata: ["error": "\(PostgresSink.describe(error))", "retryIn": "\(wait)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// True once this process has brought the schema up to date.
    public var isMigrated: Bool { migrated.withLock { $0 } }

    /// Waits until the schema is up to date (or the task is cancelled).
    public func waitUntilMigrated() async throws {
        while !isMigrated {
            try Task.checkCancellation()
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs `body` with a database for `settings` whose pool runs for its length: for commands that are not
    /// the gateway (`report`, `verify`, `agents`). It changes no schema (the gateways own migrations), so an
    /// auditor's read-only role is enough for `report` and `verify`.
    public static func withRunning<T: Sendable>(
        _ settings: PostgresSettings, logger: Logger, _ body: @Sendable (ClusterDatabase) async throws -> T
    ) async throws -> T {
        let database = try ClusterDatabase(settings: settings, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            database.migrated.withLock { $0 = true }
            return try await body(database)
        }
    }

    /// Runs `body` on a leased connection, failing with `ClusterError.unavailable` after `statementTimeout`.
    ///
    /// The caller is answered at the deadline or on cancellation even when the lease or the statement does
    /// not respond to cancellation (a pool shutting down, a half-open socket): that work is cancelled and
    /// left to finish on its own, and whatever it returns later is dropped. Callers' statements are
    /// idempotent or transactional, so a late commit changes nothing they rely on.
    public func withConnection<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let limit = timeout ?? statementTimeout
        let outcome = OneShot<T>()
        let client = self.client
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                outcome.install(continuation)
                let work = Task {
                    do {
                        outcome.resume(with: .success(try await client.withConnection { try await body($0) }))
                    } catch {
                        outcome.resume(with: .failure(error))
                    }
                }
                let timer = Task {
                    try await Task.sleep(for: limit)
                    outcome.resume(with: .failure(ClusterError.unavailable(
                        "PostgreSQL did not answer within \(limit); check cluster.postgres (host, port, user, password, TLS) and that the server runs")))
                    work.cancel()
                }
                outcome.onFinish { work.cancel(); timer.cancel() }
            }
        } onCancel: {
            outcome.resume(with: .failure(CancellationError()))
        }
    }

    /// Runs `body` in a transaction (BEGIN … COMMIT, rolled back when it throws).
    public func withTransaction<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await withConnection(timeout: timeout) { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Brings the schema up to date. Several nodes may start at once: a transaction-scoped advisory lock
    /// serialises them, and each migration runs once, in its own transaction with its bookkeeping row.
    public func migrate() async throws {
        let logger = self.logger
        try await withConnection(timeout: .seconds(60)) { connection in
            // IF NOT EXISTS alone races between nodes starting together: take the lock first.
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(ClusterSchema.migrationLock))", logger: logger)
                try await connection.query("CREATE SCHEMA IF NOT EXISTS readaudit", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS readaudit.migrations (name text PRIMARY KEY, applied_us bigint NOT NULL)", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            for migration in ClusterSchema.migrations {
                try await connection.query("BEGIN", logger: logger)
                do {
                    try await connection.query("SELECT pg_advisory_xact_lock(\(ClusterSchema.migrationLock))", logger: logger)
                    let done = try await connection.query(
                        "SELECT 1 FROM readaudit.migrations WHERE name = \(migration.name)", logger: logger
                    ).collect().count > 0
                    if !done {
                        for statement in migration.statements {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        let now = SystemWallClock().now().microseconds
                        try await connection.query(
                            "INSERT INTO readaudit.migrations (name, applied_us) VALUES (\(migration.name), \(now))", logger: logger)
                        logger.info("Applied a PostgreSQL migration", metadata: ["migration": "\(migration.name)"])
                    }
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }
}

/// Why a PostgreSQL operation did not happen.
public enum ClusterError: Error, Sendable, CustomStringConvertible {
    /// PostgreSQL cannot be reached or did not answer in time: retry later; local journals keep working.
    case unavailable(String)
    /// PostgreSQL answered something this node cannot use.
    case invalid(String)

    public var description: String {
        switch self {
        case .unavailable(let detail): "PostgreSQL unavailable: \(detail)"
        case .invalid(let detail): "PostgreSQL answered something unexpected: \(detail)"
        }
    }
}

/// A continuation resumed once, by whichever of its racers comes first; the rest are ignored.
final class OneShot<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var finished = false
        var onFinish: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Runs `action` once the outcome is known (at once when it already is).
    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.finished { return true }
            state.onFinish = action
            return false
        }
        if now { action() }
    }

    func resume(with result: Result<T, any Error>) {
        let (continuation, action) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            if state.continuation == nil { state.early = result }
            defer { state.continuation = nil; state.onFinish = nil }
            return (state.continuation, state.onFinish)
        }
        continuation?.resume(with: result)
        action?()
    }
}
