import Foundation
import Synchronization

/// A child process started with `posix_spawn`, for daemons the tests run (rsyslogd) and the tools they
/// call (openssl).
///
/// Foundation's `Process` is not used for these. A child inherits the signal mask of the thread that spawns
/// it, and Swift concurrency's threads block SIGTERM. rsyslogd keeps that mask, so it would never see the
/// SIGTERM that stops it. This helper starts each child with an empty mask and default dispositions. Its
/// `waitForExit` polls `waitpid`, so no cooperative thread is held while a child runs. Foundation's
/// `waitUntilExit` spins the thread it runs on.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`: stdin from /dev/null, stdout and stderr appended to `outputFile`.
    public init(_ executable: String, _ arguments: [String], outputFile: String) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environment)
        guard result == 0 else { throw TestSupportError("could not start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    deinit {
        if exitStatus() == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }

    /// Sends `signal` unless the process has already exited.
    public func send(_ signal: Int32) {
        if exitStatus() == nil { kill(pid, signal) }
    }

    /// The exit code (or 128 + the signal that ended it), or nil while it runs.
    public func exitStatus() -> Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            let signal = raw & 0x7F
            status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
            return status
        }
    }

    /// True until the process has exited (and been reaped).
    public var isRunning: Bool { exitStatus() == nil }

    /// Waits for the process to exit (polling every 10 ms) and returns its status; nil after `timeout`.
    public func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            try await Task.sleep(for: .milliseconds(10))
        }
        return exitStatus()
    }

    /// Runs a program to completion and returns its status and output (stdout and stderr together).
    public static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
        let outputFile = NSTemporaryDirectory() + "readaudit-child-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        let child = try ChildProcess(executable, arguments, outputFile: outputFile)
        guard let status = try await child.waitForExit(timeout: timeout) else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        return (status, (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "")
    }
}
