import Foundation
import ReadAudit
import Synchronization

/// A real PostgreSQL server (Debian's `postgresql` package) as a child of the tests: its own cluster made by
/// `initdb` in a fresh directory, listening on a free loopback port and a socket in that directory, with a
/// password-authenticated role `readaudit` owning the database `readaudit`. It never touches the system's
/// clusters. Running as root (CI), the server runs as the `postgres` user through `runuser`, since
/// PostgreSQL refuses to run as root.
///
/// A missing server is an error, never a skip: the multi-node tests exist to run against the real thing.
public final class RealPostgres: Sendable {
    public let directory: String
    public let port: Int
    public let password = "readaudit-test-password"
    let binaries: String
    let dataDirectory: String
    let logFile: String
    private let running = Mutex(false)

    /// Makes a cluster in a new directory and starts it. `durable: false` turns fsync off (tests);
    /// benchmarks keep PostgreSQL's defaults.
    /// With `certificates`, the server also speaks TLS with their `localhost` certificate.
    public init(durable: Bool = false, certificates: TestCertificates? = nil) async throws {
        guard let initdb = Self.findInitdb() else {
            throw TestSupportError("PostgreSQL is not installed: the multi-node tests need Debian's postgresql package (scripts/test.sh installs it)")
        }
        binaries = (initdb as NSString).deletingLastPathComponent
        // Under /tmp, not the tests' private temporary directory: the postgres user must be able to reach it.
        var template = Array("/tmp/readaudit-pg.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestSupportError("mkdtemp failed") }
        directory = String(cString: made)
        dataDirectory = directory + "/data"
        logFile = directory + "/server.log"
        port = try freeLoopbackPort()
        let passwordFile = directory + "/password"
        try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(directory, 0o755)
        if getuid() == 0 {
            let chown = try await ChildProcess.run("/bin/chown", ["-R", "postgres:postgres", directory])
            guard chown.status == 0 else { throw TestSupportError("chown of the PostgreSQL directory failed: \(chown.output)") }
        }
        let made2 = try await Self.asServerUser([
            initdb, "-D", dataDirectory, "-U", "readaudit", "-E", "UTF8", "--locale=C", "--no-sync",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=\(passwordFile)",
        ])
        guard made2.status == 0 else { throw TestSupportError("initdb failed: \(made2.output)") }
        var settings = [
            "listen_addresses = '127.0.0.1'", "port = \(port)", "unix_socket_directories = '\(directory)'",
            "max_connections = 100", "logging_collector = off", "log_min_messages = warning",
        ]
        if !durable { settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"] }
        if let certificates {
            // The key must belong to the server's user and be private to it, or PostgreSQL refuses to start.
            for (source, name) in [(certificates.serverCertificateFile, "server.crt"), (certificates.serverKeyFile, "server.key")] {
                try? FileManager.default.removeItem(atPath: dataDirectory + "/" + name)
                try FileManager.default.copyItem(atPath: source, toPath: dataDirectory + "/" + name)
                chmod(dataDirectory + "/" + name, 0o600)
                if getuid() == 0 { _ = try await ChildProcess.run("/bin/chown", ["postgres:postgres", dataDirectory + "/" + name]) }
            }
            settings += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        }
        let conf = try String(contentsOfFile: dataDirectory + "/postgresql.conf", encoding: .utf8)
        try (conf + "\n" + settings.joined(separator: "\n") + "\n").write(toFile: dataDirectory + "/postgresql.conf", atomically: false, encoding: .utf8)
        try await start()
        let created = try await Self.asServerUser([binaries + "/createdb", "-h", directory, "-p", String(port), "-U", "readaudit", "readaudit"])
        guard created.status == 0 else { throw TestSupportError("createdb failed: \(created.output)") }
    }

    deinit {
        if running.withLock({ $0 }) {
            // Best effort for a test that threw before stopping it: immediate shutdown, synchronously.
            let command = "\(binaries)/pg_ctl -D \(dataDirectory) -m immediate -w stop"
            _ = getuid() == 0 ? system("runuser -u postgres -- \(command) >/dev/null 2>&1") : system("\(command) >/dev/null 2>&1")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` with a fresh server, then stops it and removes its directory, whether `body` threw or not.
    public static func withRunning<T>(
        durable: Bool = false, certificates: TestCertificates? = nil, _ body: (RealPostgres) async throws -> T
    ) async throws -> T {
        let server = try await RealPostgres(durable: durable, certificates: certificates)
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop(mode: "immediate")
            throw error
        }
    }

    /// Connection settings for the gateway (TLS off: loopback).
    public var settings: PostgresSettings {
        var settings = PostgresSettings()
        settings.host = "127.0.0.1"
        settings.port = port
        settings.database = "readaudit"
        settings.user = "readaudit"
        settings.password = Secret(password)
        settings.tls = .disable
        settings.poolSize = 8
        settings.connectTimeout = .seconds(2)
        return settings
    }

    /// The `cluster:` block of a gateway's YAML configuration, the password from `READAUDIT_PG_PASSWORD`.
    public var clusterYAML: String {
        """
        cluster:
          postgres:
            host: 127.0.0.1
            port: \(port)
            database: readaudit
            user: readaudit
            tls: disable
            password: {env: READAUDIT_PG_PASSWORD}
        """
    }

    /// Starts (or restarts) the server on its port and waits until it accepts connections.
    public func start() async throws {
        let result = try await Self.asServerUser([binaries + "/pg_ctl", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "start"])
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            throw TestSupportError("pg_ctl start failed: \(result.output)\n\(log)")
        }
        running.withLock { $0 = true }
    }

    /// Stops the server (`fast`: disconnects clients, like an outage; `immediate`: like a crash).
    public func stop(mode: String = "fast") async throws {
        guard running.withLock({ $0 }) else { return }
        let result = try await Self.asServerUser([binaries + "/pg_ctl", "-D", dataDirectory, "-m", mode, "-w", "-t", "60", "stop"])
        guard result.status == 0 else { throw TestSupportError("pg_ctl stop failed: \(result.output)") }
        running.withLock { $0 = false }
    }

    /// Runs one SQL statement with psql and returns its rows, columns separated by `|`.
    /// CPU seconds (user + system) used so far by the server: the postmaster and every process it started
    /// (backends, WAL writer, checkpointer...), read from /proc; processes that already exited count through
    /// the postmaster's reaped-children times. Benchmarks take the difference over a run.
    public func cpuSeconds() throws -> Double {
        let pidText = try String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)
        guard let postmaster = pidText.split(separator: "\n").first.flatMap({ Int($0) }) else {
            throw TestSupportError("postmaster.pid has no process id")
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for name in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int(name), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // Fields after the command name: state ppid ... utime (14th field overall) stime (15th).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 14, let parent = Int(fields[1]), pid == postmaster || parent == postmaster,
                  let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            total += (user + system) / ticks
            if pid == postmaster, let children = Double(fields[13]), let childrenSystem = Double(fields[14]) {
                total += (children + childrenSystem) / ticks
            }
        }
        return total
    }

    public func psql(_ sql: String) async throws -> [String] {
        let result = try await ChildProcess.run("/usr/bin/env", [
            "PGPASSWORD=\(password)", binaries + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", "127.0.0.1", "-p", String(port), "-U", "readaudit", "-d", "readaudit", "-c", sql,
        ])
        guard result.status == 0 else { throw TestSupportError("psql failed: \(result.output)") }
        return result.output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// The one value a query returns, as an integer.
    public func count(_ sql: String) async throws -> Int {
        guard let line = try await psql(sql).first, let value = Int(line.trimmingCharacters(in: .whitespaces)) else {
            throw TestSupportError("\(sql) returned no integer")
        }
        return value
    }

    static func findInitdb() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.map { "\(root)/\($0)/bin/initdb" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func asServerUser(_ command: [String]) async throws -> (status: Int32, output: String) {
        if getuid() == 0 {
            return try await ChildProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--"] + command, timeout: .seconds(120))
        }
        return try await ChildProcess.run(command[0], Array(command.dropFirst()), timeout: .seconds(120))
    }
}
