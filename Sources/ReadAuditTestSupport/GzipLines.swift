import CompressNIO
import Foundation
import NIOCore

/// Reads and rewrites gzip'd line files (archive segments) whole, as someone holding the files could.
public enum GzipLines {
    /// The file's lines, without their line breaks.
    public static func read(_ path: String) throws -> [String] {
        var buffer = ByteBuffer(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let plain = try buffer.decompress(with: .gzip())
        return String(buffer: plain).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Replaces the file with `lines`, each ending in a line break, gzip'd.
    public static func write(_ lines: [String], to path: String) throws {
        var plain = ByteBuffer(string: lines.map { $0 + "\n" }.joined())
        let compressed = try plain.compress(with: .gzip())
        try Data(compressed.readableBytesView).write(to: URL(fileURLWithPath: path))
    }
}
