import Foundation
import Synchronization

/// A real `rsyslogd` as a child process, on its own configuration, ports and files in a temporary
/// directory: plain TCP, TLS (`gtls`, anonymous clients) and mutual TLS (`x509/certvalid`) listeners on
/// loopback, everything received written to one file in RFC 5424 form (`RSYSLOG_SyslogProtocol23Format`).
///
/// It never touches the system's rsyslog: no `/dev/log`, no system configuration, no system pid file.
/// A missing `rsyslogd` is an error, never a skip: the syslog tests exist to run against the real thing.
/// A daemon left running by a test that crashed is killed when this object goes away.
public final class RealRsyslog: Sendable {
    /// The temporary directory that holds the configuration, the output and the daemon's work files.
    public let directory: String
    /// Plain TCP listener on 127.0.0.1.
    public let tcpPort: Int
    /// TLS listener (anonymous clients) on 127.0.0.1, with `certificates.serverCertificateFile`.
    public let tlsPort: Int
    /// Requires a client certificate signed by `certificates.caFile`.
    public let mutualTLSPort: Int
    /// The PKI the TLS listeners use.
    public let certificates: TestCertificates
    /// Where rsyslog writes every message it receives, one per line.
    public let outputFile: String
    let configurationFile: String
    let pidFile: String
    let logFile: String
    let executable: String
    private let process = Mutex<ChildProcess?>(nil)

    /// Writes the configuration into `directory` (with the process's shared test PKI), validates it, and
    /// starts rsyslogd.
    public init(in directory: String) async throws {
        guard let executable = findExecutable("rsyslogd", in: ["/usr/sbin", "/sbin", "/usr/local/sbin"]) else {
            throw TestSupportError(
                "rsyslogd is not installed: the syslog tests need Debian's rsyslog and rsyslog-gnutls packages (scripts/test.sh installs them)")
        }
        self.executable = executable
        self.directory = directory
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        certificates = try await TestCertificates.shared()
        tcpPort = try freeLoopbackPort()
        tlsPort = try freeLoopbackPort()
        mutualTLSPort = try freeLoopbackPort()
        outputFile = path("received.log")
        configurationFile = path("rsyslog.conf")
        pidFile = path("rsyslogd.pid")
        logFile = path("rsyslogd.stderr")
        let work = path("rsyslog-work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try configuration(work: work).write(toFile: configurationFile, atomically: true, encoding: .utf8)
        let check = try await ChildProcess.run(executable, ["-N1", "-f", configurationFile])
        guard check.status == 0 else {
            throw TestSupportError("rsyslogd refuses the test configuration (is rsyslog-gnutls installed?): \(check.output)")
        }
        try await start()
    }

    /// Runs `body` with an rsyslogd in a fresh temporary directory, then stops the daemon (SIGTERM, wait)
    /// and removes the directory, whether `body` succeeded or threw.
    public static func withRunning<T>(_ body: (RealRsyslog) async throws -> T) async throws -> T {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let rsyslog = try await RealRsyslog(in: directory.path)
        let result: T
        do {
            result = try await body(rsyslog)
        } catch {
            try? await rsyslog.stop()
            throw error
        }
        try await rsyslog.stop()
        return result
    }

    /// A file path inside the daemon's temporary directory.
    public func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// The configuration: three imtcp listeners and one omfile action; nothing else is loaded.
    func configuration(work: String) -> String {
        """
        global(
          workDirectory="\(work)"
          maxMessageSize="64k"
          defaultNetstreamDriverCAFile="\(certificates.caFile)"
          defaultNetstreamDriverCertFile="\(certificates.serverCertificateFile)"
          defaultNetstreamDriverKeyFile="\(certificates.serverKeyFile)"
        )
        module(load="imtcp")
        input(type="imtcp" address="127.0.0.1" port="\(tcpPort)")
        input(type="imtcp" address="127.0.0.1" port="\(tlsPort)"
              streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
        input(type="imtcp" address="127.0.0.1" port="\(mutualTLSPort)"
              streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
        action(type="omfile" file="\(outputFile)" template="RSYSLOG_SyslogProtocol23Format")

        """
    }

    /// Starts rsyslogd (again, after `stop`) and returns once every listener accepts connections.
    public func start(timeout: Duration = .seconds(20)) async throws {
        let child = try ChildProcess(executable, ["-n", "-f", configurationFile, "-i", pidFile], outputFile: logFile)
        process.withLock { $0 = child }
        let deadline = ContinuousClock.now + timeout
        for port in [tcpPort, tlsPort, mutualTLSPort] {
            while !Self.accepts(port: port) {
                if let status = child.exitStatus() { throw TestSupportError("rsyslogd exited (\(status)): \(diagnostics)") }
                guard ContinuousClock.now < deadline else {
                    try await stop()
                    throw TestSupportError("rsyslogd did not listen on 127.0.0.1:\(port) within \(timeout): \(diagnostics)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// SIGTERM, then waits for the process to exit (its listeners and connections are closed by then).
    /// A daemon that has not exited after `timeout` is killed, and the test fails.
    public func stop(timeout: Duration = .seconds(20)) async throws {
        guard let child = process.withLock({ process in defer { process = nil }; return process }) else { return }
        child.send(SIGCONT)
        child.send(SIGTERM)
        if try await child.waitForExit(timeout: timeout) == nil {
            child.send(SIGKILL)
            _ = try await child.waitForExit(timeout: .seconds(5))
            throw TestSupportError("rsyslogd did not stop within \(timeout) of SIGTERM: \(diagnostics)")
        }
    }

    /// SIGSTOP: the process stops reading; the kernel still buffers what is sent, until its buffers fill.
    public func pause() {
        process.withLock { $0?.send(SIGSTOP) }
    }

    /// SIGCONT after `pause`.
    public func resume() {
        process.withLock { $0?.send(SIGCONT) }
    }

    /// What rsyslogd said about itself (TLS errors, refused peers), for failure messages.
    public var diagnostics: String {
        (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "(no output)"
    }

    /// Every line rsyslog has written so far.
    public func receivedLines() -> [String] {
        guard let text = try? String(contentsOfFile: outputFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Waits until rsyslog has written at least `count` lines that satisfy `matching` (rsyslog writes
    /// asynchronously: this polls its output file until `timeout`), and returns them.
    public func waitForLines(
        count: Int, timeout: Duration = .seconds(20), matching: (String) -> Bool = { _ in true }
    ) async throws -> [String] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let lines = receivedLines().filter(matching)
            if lines.count >= count { return lines }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("rsyslog wrote \(lines.count) of \(count) expected lines within \(timeout); rsyslogd said: \(diagnostics)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// True when a TCP connection to the loopback port succeeds now.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
