import Foundation
import NIOPosix

/// Appends each entry as one JSON line to a file, fsync'd before the batch counts as delivered.
///
/// On start it drops a partly written last line and reports the last sequence the file holds, so a crash
/// between writing and committing the cursor neither loses nor duplicates a line.
public final class FileSink: AuditSink, @unchecked Sendable {
    public let name: String
    public let path: String
    private let exporter: EventExporter
    // Only the shipper calls deliver/resumeSequence, one call at a time.
    private var descriptor: Int32 = -1

    public init(name: String = "file", path: String, exporter: EventExporter = EventExporter(replayAfter: nil)) {
        self.name = name
        self.path = path
        self.exporter = exporter
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    public func resumeSequence() async throws -> Int64? {
        try openIfNeeded()
        return try Self.repairAndReadLastSequence(descriptor: descriptor, path: path)
    }

    public func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        do {
            try openIfNeeded()
            var bytes = [UInt8]()
            bytes.reserveCapacity(batch.entries.count * 700)
            for entry in batch.entries {
                bytes.append(contentsOf: exporter.json(entry, now: batch.now))
                bytes.append(0x0A)
            }
            // The write and its fsync block: on NIO's blocking-I/O pool, not on one of the few threads that
            // run every read's tasks (an fsync takes from a tenth of a millisecond to many on a busy disk).
            let (descriptor, path, lines) = (descriptor, path, bytes)
            try await NIOThreadPool.singleton.runIfActive {
                try Self.writeAll(descriptor, lines)
                guard fsync(descriptor) == 0 else { throw POSIXFailure(operation: "fsync", path: path) }
            }
            return .delivered
        } catch {
            // A half-written batch is cut back to the last complete line before the retry.
            if descriptor >= 0 { _ = try? Self.repairAndReadLastSequence(descriptor: descriptor, path: path) }
            return .retry(reason: "\(error)")
        }
    }

    private func openIfNeeded() throws {
        guard descriptor < 0 else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXFailure(operation: "open", path: path) }
        descriptor = fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw POSIXFailure(operation: "write", path: "")
            }
            offset += written
        }
    }

    /// Truncates an unfinished last line and returns the `seq` of the last complete one.
    static func repairAndReadLastSequence(descriptor: Int32, path: String) throws -> Int64? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw POSIXFailure(operation: "fstat", path: path) }
        let size = Int64(info.st_size)
        guard size > 0 else { return nil }
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw POSIXFailure(operation: "open", path: path) }
        defer { close(reader) }
        // Read backwards in chunks until the last complete line is in hand.
        var tail = [UInt8]()
        var position = size
        var completeEnd: Int64?
        while position > 0 {
            let chunk = min(Int64(64 * 1024), position)
            position -= chunk
            var buffer = [UInt8](repeating: 0, count: Int(chunk))
            let got = buffer.withUnsafeMutableBytes { pread(reader, $0.baseAddress, Int(chunk), off_t(position)) }
            guard got == Int(chunk) else { throw POSIXFailure(operation: "pread", path: path) }
            tail = buffer + tail
            if completeEnd == nil, let lastNewline = tail.lastIndex(of: 0x0A) {
                completeEnd = position + Int64(lastNewline) + 1
            }
            if let end = completeEnd {
                let lineEnd = Int(end - position) - 1
                if let start = tail[..<lineEnd].lastIndex(of: 0x0A) {
                    return try truncateAndParse(Array(tail[(start + 1)..<lineEnd]), descriptor: descriptor, end: end, size: size, path: path)
                }
                if position == 0 {
                    return try truncateAndParse(Array(tail[..<lineEnd]), descriptor: descriptor, end: end, size: size, path: path)
                }
            }
        }
        // No complete line at all: the whole file is a partial write.
        guard ftruncate(descriptor, 0) == 0, fsync(descriptor) == 0 else { throw POSIXFailure(operation: "ftruncate", path: path) }
        return nil
    }

    private static func truncateAndParse(_ line: [UInt8], descriptor: Int32, end: Int64, size: Int64, path: String) throws -> Int64? {
        if end < size {
            guard ftruncate(descriptor, off_t(end)) == 0, fsync(descriptor) == 0 else {
                throw POSIXFailure(operation: "ftruncate", path: path)
            }
        }
        guard case .object(let members)? = try? JSONParser.parse(line),
            case .number(let text)? = members.first(where: { $0.0 == "seq" })?.1, let sequence = Int64(text)
        else { throw POSIXFailure(operation: "parse last line", path: path) }
        return sequence
    }
}

/// A failed system call, with errno's text.
struct POSIXFailure: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var code: Int32 = errno
    var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}
