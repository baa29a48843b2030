import AsyncHTTPClient
import CompressNIO
import NIOCore

/// What an HTTP intake answered: the status and the start of the body (enough for an error message).
struct HTTPAnswer: Sendable, Equatable {
    var status: Int
    var body: [UInt8]
}

extension HTTPClient {
    /// POSTs `body` to `url`, gzip-compressed (fastest level, `Content-Encoding: gzip`) when `gzip` is set, and
    /// collects the answer's status and up to 64 KB of its body. Throws when no answer came: a timeout or a
    /// connection error, after which the intake may or may not hold the request. The sinks classify the rest.
    /// A longer body is read to its end and cut: an intake that echoes a large body has still answered.
    func post(
        _ url: String, headers: [(String, String)], body: ByteBuffer, gzip: Bool, timeout: Duration
    ) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        // Compress a copy: a failed compression may have consumed part of it, and then the plain body goes.
        var source = body
        if gzip, let compressed = try? source.compress(with: .gzip(configuration: .init(compressionLevel: .fastestCompression))) {
            request.headers.add(name: "Content-Encoding", value: "gzip")
            request.body = .bytes(compressed)
        } else {
            request.body = .bytes(body)
        }
        let response = try await execute(request, timeout: timeAmount(timeout))
        var text: [UInt8] = []
        for try await part in response.body where text.count < 64 * 1024 {
            text += part.readableBytesView.prefix(64 * 1024 - text.count)
        }
        return HTTPAnswer(status: Int(response.status.code), body: text)
    }
}

/// NIO's `TimeAmount` for a Swift `Duration`.
func timeAmount(_ duration: Duration) -> TimeAmount {
    .nanoseconds(Int64(duration / .nanoseconds(1)))
}
