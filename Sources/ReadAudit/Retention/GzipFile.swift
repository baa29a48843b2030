import CompressNIO
import Crypto
import Foundation
import NIOCore

/// Writes one gzip member to a file, streaming (memory stays bounded however long the segment), and
/// hashes the compressed bytes as they go out. `finish` flushes, fsyncs and closes.
final class GzipFileWriter {
    let path: String
    private var fd: Int32
    private let compressor: ZlibCompressor
    private var plain: ByteBuffer
    private var out: ByteBuffer
    private var hasher = SHA256()
    private static let chunk = 1 << 20

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw ArchiveFileError("cannot create \(path): \(String(cString: strerror(errno)))") }
        compressor = try ZlibCompressor(algorithm: .gzip, configuration: ZlibConfiguration())
        plain = ByteBufferAllocator().buffer(capacity: Self.chunk + 4096)
        out = ByteBufferAllocator().buffer(capacity: 64 * 1024)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends uncompressed bytes.
    func write(_ bytes: [UInt8]) throws {
        plain.writeBytes(bytes)
        if plain.readableBytes >= Self.chunk { try deflatePlain() }
    }

    private func deflatePlain() throws {
        while plain.readableBytes > 0 {
            out.clear(minimumCapacity: compressor.maxSize(from: plain))
            do {
                try compressor.deflate(from: &plain, to: &out, flush: .no)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // Output full: written below, then the rest of the input.
            }
            try writeOut()
        }
        plain.clear()
    }

    /// Ends the gzip member, fsyncs and closes the file. Returns the SHA-256 of the compressed file.
    func finish() throws -> String {
        try deflatePlain()
        var empty = ByteBufferAllocator().buffer(capacity: 16)
        while true {
            out.clear(minimumCapacity: 64 * 1024)
            do {
                try compressor.deflate(from: &empty, to: &out, flush: .finish)
                try writeOut()
                break
            } catch let error as CompressNIOError where error == .bufferOverflow {
                try writeOut()
            }
        }
        guard fsync(fd) == 0 else { throw ArchiveFileError("cannot fsync \(path): \(String(cString: strerror(errno)))") }
        close(fd)
        fd = -1
        return ChainHash.hex(Array(hasher.finalize()))
    }

    private func writeOut() throws {
        guard out.readableBytes > 0 else { return }
        try out.withUnsafeReadableBytes { bytes in
            hasher.update(bufferPointer: bytes)
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw ArchiveFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
        out.clear()
    }
}

/// Reads a gzip file as lines, streaming, and hashes the compressed bytes. A truncated stream, bytes after
/// the gzip member, corrupt data or a line longer than `maxLine` are errors.
enum GzipLineReader {
    /// Calls `body` with each line (without its `\n`), numbered from 1, until it returns false. Returns the
    /// SHA-256 of the whole compressed file (nil when `body` stopped early).
    @discardableResult
    static func read(path: String, maxLine: Int = 16 << 20, _ body: (Int, ArraySlice<UInt8>) throws -> Bool) throws -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveFileError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let decompressor = try ZlibDecompressor(algorithm: .gzip)
        var hasher = SHA256()
        var input = ByteBufferAllocator().buffer(capacity: 256 * 1024)
        var out = ByteBufferAllocator().buffer(capacity: 1 << 20)
        var pending = [UInt8]()
        var lineNumber = 0
        var stopped = false
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)

        /// Splits what was inflated into lines; false once `body` asked to stop.
        func emit() throws -> Bool {
            guard out.readableBytes > 0 else { return true }
            out.withUnsafeReadableBytes { pending.append(contentsOf: $0) }
            out.clear()
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                guard try body(lineNumber, pending[start..<newline]) else { return false }
                start = newline + 1
            }
            pending.removeSubrange(..<start)
            guard pending.count <= maxLine else { throw ArchiveFileError("line \(lineNumber + 1) is longer than \(maxLine) bytes") }
            return true
        }

        reading: while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ArchiveFileError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            hasher.update(data: chunk[0..<count])
            input.clear()
            input.writeBytes(chunk[0..<count])
            while input.readableBytes > 0 {
                out.clear(minimumCapacity: 1 << 20)
                let before = input.readableBytes
                do {
                    try decompressor.inflate(from: &input, to: &out)
                    // Returned without needing more input or room: the gzip member ended here.
                    if input.readableBytes > 0 && input.readableBytes == before && out.readableBytes == 0 {
                        throw ArchiveFileError("bytes follow the end of the gzip stream")
                    }
                } catch let error as CompressNIOError where error == .bufferOverflow || error == .inputBufferOverflow {
                    // Needs more room (loop) or more input (next chunk).
                } catch let error as CompressNIOError where error == .corruptData {
                    throw ArchiveFileError("the gzip data is corrupt")
                }
                guard try emit() else {
                    stopped = true
                    break reading
                }
            }
        }
        if stopped { return nil }
        // End of file: drain what zlib still holds; a stream that wants more input was cut short.
        var empty = ByteBufferAllocator().buffer(capacity: 16)
        while true {
            out.clear(minimumCapacity: 1 << 20)
            do {
                try decompressor.inflate(from: &empty, to: &out)
                guard try emit() else { return nil }
                break
            } catch let error as CompressNIOError where error == .bufferOverflow {
                guard try emit() else { return nil }
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                throw ArchiveFileError("the gzip stream is truncated")
            } catch let error as CompressNIOError where error == .corruptData {
                throw ArchiveFileError("the gzip data is corrupt")
            }
        }
        guard pending.isEmpty else { throw ArchiveFileError("the last line does not end with a line break") }
        return ChainHash.hex(Array(hasher.finalize()))
    }
}

/// An archive file that cannot be written or read; the message names it and says why.
public struct ArchiveFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
