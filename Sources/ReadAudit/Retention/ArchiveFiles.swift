import Foundation

/// File-system steps of archiving, each durable before it returns.
enum ArchiveFiles {
    /// Creates the archive directory (owner and group only) if it is missing.
    static func prepare(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
    }

    /// fsyncs a directory, so a rename or unlink in it survives a crash.
    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveFileError("cannot open \(directory): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ArchiveFileError("cannot fsync \(directory): \(String(cString: strerror(errno)))") }
    }

    /// Moves a finished temporary file to its final name and makes the rename durable.
    static func publish(temporary: String, as path: String) throws {
        guard rename(temporary, path) == 0 else {
            throw ArchiveFileError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Deletes a file (a purged segment) durably; a file already gone is fine.
    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw ArchiveFileError("cannot delete \(path): \(String(cString: strerror(errno)))")
        }
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Keeps a file that failed verification for inspection, out of every segment listing.
    static func setAside(_ path: String, at time: AuditTime) throws -> String {
        let target = "\(path).rejected-\(time.microseconds)"
        try publish(temporary: path, as: target)
        return target
    }

    /// Leftover temporary files of an interrupted write.
    static func temporaryFiles(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(ArchiveSegmentName.suffix + ".tmp") }
            .map { (directory as NSString).appendingPathComponent($0) }
    }
}

/// An exclusive lock on an archive directory (flock), so the gateway's archiver and `readaudit archive`
/// never work on one journal at once. Released when closed or when the process dies.
final class ArchiveLock {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// The lock, or nil when another archiver holds it.
    static func acquire(directory: String) throws -> ArchiveLock? {
        let path = (directory as NSString).appendingPathComponent(".archiver.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveFileError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            close(fd)
            if failure == EWOULDBLOCK { return nil }
            throw ArchiveFileError("cannot lock \(path): \(String(cString: strerror(failure)))")
        }
        return ArchiveLock(fd: fd)
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
