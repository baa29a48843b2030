import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real headless Chromium (Debian's `chromium`), driven over the DevTools protocol on loopback: the
/// console's browser tests sign in through the real form, click, read the DOM and take screenshots.
///
/// Chromium runs `--headless=new --no-sandbox --disable-gpu` (CI runs as root, without a GPU) with its own
/// profile directory and `--remote-debugging-port=0`; the port it picked is read from `DevToolsActivePort`
/// in the profile, and one page target is driven through a minimal WebSocket client (RFC 6455, text frames,
/// masked as a client must). Blocking socket work runs on its own dispatch queue, never on the Swift
/// concurrency pool the gateway under test needs.
public final class HeadlessChromium: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    private let process: Process
    private let profile: TemporaryDirectory
    private let queue = DispatchQueue(label: "readaudit.chromium")
    private var socket: Int32 = -1
    private var buffer: [UInt8] = []
    private var nextId = 0

    /// Where Debian puts it (`chromium`), or nil when it is not installed.
    public static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private init(process: Process, profile: TemporaryDirectory) {
        self.process = process
        self.profile = profile
    }

    /// Starts Chromium with a 1280×900 window and connects to its first page.
    public static func launch() async throws -> HeadlessChromium {
        guard let executable else { throw Failure("chromium is not installed (scripts/test.sh installs Debian's chromium package)") }
        let profile = try TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
            "--hide-scrollbars", "--force-color-profile=srgb", "--window-size=1280,900", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", "--user-data-dir=\(profile.path)", "about:blank",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let browser = HeadlessChromium(process: process, profile: profile)
        do {
            try await browser.onQueue { try browser.connect() }
            _ = try await browser.call("Page.enable")
            _ = try await browser.call("Runtime.enable")
            return browser
        } catch {
            browser.close()
            throw error
        }
    }

    /// Stops Chromium and removes its profile.
    public func close() {
        if socket >= 0 { Glibc.close(socket); socket = -1 }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        profile.remove()
    }

    // MARK: What tests use

    /// Loads `url` and waits until the page's `body[data-page]` is `page` (when given) and loading is complete.
    public func navigate(_ url: String, expecting page: String? = nil) async throws {
        _ = try await call("Page.navigate", ["url": url])
        try await waitForPage(page)
    }

    /// Waits for a document whose `body[data-page]` is `page` (any when nil), fully loaded.
    public func waitForPage(_ page: String?, timeout: Duration = .seconds(20)) async throws {
        let test = page.map { "document.body && document.body.dataset.page === \(Self.jsString($0))" } ?? "!!document.body"
        try await waitUntil("document.readyState === 'complete' && \(test)", timeout: timeout)
    }

    /// The value of a JavaScript expression, as a string (`String(...)` of it).
    public func evaluate(_ expression: String) async throws -> String {
        let answer = try await call("Runtime.evaluate", ["expression": "String(\(expression))", "returnByValue": true])
        guard let result = answer["result"] as? [String: Any] else { throw Failure("Runtime.evaluate gave no result") }
        if answer["exceptionDetails"] != nil { throw Failure("script failed: \(expression): \(result["description"] ?? "?")") }
        return (result["value"] as? String) ?? ""
    }

    /// Polls `condition` (a JavaScript expression) until it is true.
    public func waitUntil(_ condition: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // Between documents the expression may fail (no execution context): try again.
            if (try? await evaluate("(\(condition)) ? 'yes' : 'no'")) == "yes" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure("timed out waiting for \(condition); page: \((try? await evaluate("location.href")) ?? "?")")
    }

    /// Types `text` into the field `selector` (sets its value, as a person's typing would, and fires `input`).
    public func fill(_ selector: String, _ text: String) async throws {
        let result = try await evaluate("""
            (() => { const e = document.querySelector(\(Self.jsString(selector))); if (!e) return 'missing';
              e.focus(); e.value = \(Self.jsString(text)); e.dispatchEvent(new Event('input', {bubbles: true})); return 'ok'; })()
            """)
        guard result == "ok" else { throw Failure("no field \(selector)") }
    }

    /// Clicks the element `selector`.
    public func click(_ selector: String) async throws {
        let result = try await evaluate("""
            (() => { const e = document.querySelector(\(Self.jsString(selector))); if (!e) return 'missing'; e.click(); return 'ok'; })()
            """)
        guard result == "ok" else { throw Failure("nothing to click at \(selector)") }
    }

    /// The page's visible text.
    public func text() async throws -> String { try await evaluate("document.body.innerText") }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        let answer = try await call("Page.captureScreenshot", ["format": "png"])
        guard let base64 = answer["data"] as? String, let data = Data(base64Encoded: base64) else { throw Failure("no screenshot data") }
        return data
    }

    static func jsString(_ value: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [value])
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    // MARK: DevTools protocol

    /// Sends one command and returns its `result`.
    public func call(_ method: String, _ parameters: [String: Any] = [:]) async throws -> [String: Any] {
        nonisolated(unsafe) let parameters = parameters
        let text = try await onQueue { () throws -> String in
                self.nextId += 1
                let id = self.nextId
                let message = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": parameters])
                try self.sendFrame(Array(message))
                while true {
                    let frame = try self.receiveMessage()
                    guard let object = try JSONSerialization.jsonObject(with: Data(frame)) as? [String: Any], object["id"] as? Int == id else { continue }
                    return String(decoding: frame, as: UTF8.self)
                }
            }
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        if let error = object["error"] as? [String: Any] { throw Failure("\(method): \(error["message"] ?? error)") }
        return object["result"] as? [String: Any] ?? [:]
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private func connect() throws {
        let portFile = profile.file("DevToolsActivePort")
        let deadline = Date().addingTimeInterval(30)
        var port: UInt16?
        while port == nil {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let line = text.split(separator: "\n").first, let number = UInt16(line) {
                port = number
            } else if Date() > deadline || !process.isRunning {
                throw Failure("chromium did not open its DevTools port")
            } else {
                usleep(50_000)
            }
        }
        // The first page target, from the HTTP endpoint's list.
        let list = try Self.httpGet(port: port!, path: "/json/list")
        guard let targets = try JSONSerialization.jsonObject(with: Data(list)) as? [[String: Any]],
            let page = targets.first(where: { $0["type"] as? String == "page" }), let url = page["webSocketDebuggerUrl"] as? String,
            let path = URL(string: url)?.path
        else { throw Failure("chromium lists no page target") }
        socket = try Self.openSocket(port: port!)
        let handshake = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port!)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: cmVhZGF1ZGl0LWNvbnNvbGU=\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try Self.writeAll(socket, Array(handshake.utf8))
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                buffer.removeSubrange(..<end.upperBound)
                guard head.hasPrefix("HTTP/1.1 101") else { throw Failure("WebSocket upgrade refused: \(head.prefix(80))") }
                return
            }
            try fill()
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = Glibc.read(socket, &chunk, chunk.count)
        guard count > 0 else { throw Failure("DevTools connection closed") }
        buffer.append(contentsOf: chunk[..<count])
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let bytes = Array(buffer[..<count])
        buffer.removeSubrange(..<count)
        return bytes
    }

    private func receiveMessage() throws -> [UInt8] {
        var message: [UInt8] = []
        while true {
            let head = try take(2)
            let opcode = head[0] & 0x0F
            var length = Int(head[1] & 0x7F)
            if length == 126 { length = try take(2).reduce(0) { $0 << 8 | Int($1) } }
            if length == 127 { length = try take(8).reduce(0) { $0 << 8 | Int($1) } }
            let mask = head[1] & 0x80 != 0 ? try take(4) : nil
            var payload = try take(length)
            if let mask { for index in payload.indices { payload[index] ^= mask[index % 4] } }
            switch opcode {
            case 0x8: throw Failure("DevTools connection closed by chromium")
            case 0x9: try sendFrame(payload, opcode: 0xA)
            case 0xA: continue
            default:
                message += payload
                if head[0] & 0x80 != 0 { return message }
            }
        }
    }

    private func sendFrame(_ payload: [UInt8], opcode: UInt8 = 0x1) throws {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try Self.writeAll(socket, frame)
    }

    private static func openSocket(port: UInt16) throws -> Int32 {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw Failure("cannot connect to chromium's DevTools port \(port)")
        }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure("write to chromium failed") }
            offset += written
        }
    }

    private static func httpGet(port: UInt16, path: String) throws -> [UInt8] {
        let fd = try openSocket(port: port)
        defer { Glibc.close(fd) }
        try writeAll(fd, Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8))
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        // Chromium keeps the connection open whatever `Connection: close` says: read up to Content-Length.
        while true {
            if let end = response.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: response[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
                if let length, response.count - end.upperBound >= length { return Array(response[end.upperBound...].prefix(length)) }
            }
            let count = Glibc.read(fd, &chunk, chunk.count)
            if count <= 0 { break }
            response.append(contentsOf: chunk[..<count])
        }
        guard let end = response.firstRange(of: Array("\r\n\r\n".utf8)) else { throw Failure("bad answer from chromium's HTTP endpoint") }
        return Array(response[end.upperBound...])
    }
}
