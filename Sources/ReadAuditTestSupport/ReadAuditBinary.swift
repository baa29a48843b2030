import Foundation
import Synchronization

/// The real `readaudit` executable, run as a child process (crash, CLI and tamper tests).
public enum ReadAuditBinary {
    /// `READAUDIT_BINARY`, or `readaudit` next to the test bundle in the build folder.
    public static var path: String {
        if let path = ProcessInfo.processInfo.environment["READAUDIT_BINARY"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test bundle may be a directory (…/readauditPackageTests.xctest/…); walk up to the build folder.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("readaudit").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/readaudit").path
    }

    /// Runs the binary to completion and returns its exit status and output.
    public static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

/// A running `readaudit serve` or `demo`, whose port is read from its own log line.
public final class RunningGateway: Sendable {
    public let process: Process
    private let log = LogBuffer()

    private final class LogBuffer: Sendable {
        let text = Mutex("")
        func append(_ more: String) { text.withLock { $0 += more } }
        var value: String { text.withLock { $0 } }
    }

    public init(arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: ReadAuditBinary.path)
        process.arguments = arguments
        // stdout (the demo's banner) and stderr (the log) both land in `output`.
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        pipe.fileHandleForReading.readabilityHandler = { [log] handle in
            let data = handle.availableData
            if !data.isEmpty { log.append(String(decoding: data, as: UTF8.self)) }
        }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Everything the process wrote so far.
    public var output: String { log.value }

    /// Waits for the gateway's "listening" log line and returns its port.
    public func waitForPort(timeout: Duration = .seconds(60)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // Two servers log "listening": the gateway is the one whose start event was recorded before it.
            let text = output
            if let started = text.range(of: "Gateway started"),
                let line = text[started.upperBound...].range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression)
            {
                let match = text[line]
                if let port = Int(match.split(separator: ":").last ?? "") { return port }
            }
            if !process.isRunning { throw TestSupportError("readaudit exited early: \(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("readaudit did not start listening: \(output)")
    }

    /// SIGKILL: no shutdown handler runs, as in a power loss of the process.
    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait: the graceful path.
    public func terminate() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// A free TCP port on loopback right now (for commands that take fixed ports, like `demo`).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestSupportError("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
