import Foundation
import Glibc
import ReadAudit
import Synchronization

/// A monotonic clock that moves only when told to (limiters and clock-jump detection without sleeps).
public final class ManualMonotonicClock: MonotonicClock {
    private let current = Mutex<Duration>(.seconds(1000))
    public init() {}
    public func now() -> Duration { current.withLock { $0 } }
    public func advance(by duration: Duration) { current.withLock { $0 += duration } }
}

/// A plain TCP connection on loopback for tests that must misbehave below HTTP (slow clients, oversized heads).
public final class RawConnection: @unchecked Sendable {
    private let fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            close(fd)
            throw TestSupportError("connect to 127.0.0.1:\(port) failed")
        }
    }

    deinit { close(fd) }

    /// Sends `text`; false once the server has closed the connection.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Waits up to `timeout` for the server: the bytes it sent, empty when it closed the connection, nil when
    /// it neither sent nor closed in time.
    public func receive(timeout: Duration) -> [UInt8]? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(timeout / .milliseconds(1)))
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count <= 0 ? [] : Array(buffer.prefix(count))
    }

    /// Reads until the server closes the connection or `timeout` passes; returns everything it sent and
    /// whether it closed.
    public func readUntilClosed(timeout: Duration) -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var all: [UInt8] = []
        while ContinuousClock.now < deadline {
            guard let bytes = receive(timeout: deadline - ContinuousClock.now) else { break }
            if bytes.isEmpty { return (all, true) }
            all += bytes
        }
        return (all, false)
    }
}
