import NIOCore

/// How the sinks that POST JSON arrays (Datadog logs, the webhook) deliver a batch: cut into arrays within
/// the protocol's limits and sent in order, stopping at the first failure. An array refused for its content
/// or size (400, 413) is sent again in halves, recursively, so the entries around a bad one still go through
/// and the bad one, once alone, is quarantined. No I/O of its own (`send` posts), so it is tested without sockets.
public struct JSONArrayDelivery: Sendable {
    /// Most entries in one array.
    public var maxEntries: Int
    /// Most bytes in one array's body, before compression.
    public var maxBytes: Int

    public init(maxEntries: Int, maxBytes: Int) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = max(1, maxBytes)
    }

    /// Delivers `elements` (each entry's JSON, in batch order). `send` posts the elements in a range as one
    /// array and classifies the answer.
    public func deliver(_ elements: [[UInt8]], send: (Range<Int>) async -> JSONArrayAnswer.Verdict) async -> DeliveryResult {
        var sent = 0
        let sizes = elements.map(\.count)
        for range in RequestSplitter.ranges(sizes: sizes, maxBytes: maxBytes, maxCount: maxEntries, separator: 1, overhead: 2) {
            let result = await deliverHalving(range, send: send)
            guard result == .delivered else { return result.after(accepted: sent) }
            sent += range.count
        }
        return .delivered
    }

    /// Sends `range`; when it is refused for its content, sends each half in turn. Counts are relative to `range`.
    private func deliverHalving(_ range: Range<Int>, send: (Range<Int>) async -> JSONArrayAnswer.Verdict) async -> DeliveryResult {
        switch await send(range) {
        case .accepted:
            return .delivered
        case .retry(let reason):
            return .retry(reason: reason)
        case .rejected(let reason):
            return .rejected(reason: reason)
        case .refused(let reason):
            guard range.count > 1 else { return .partial(accepted: 0, quarantined: reason) }
            let middle = range.lowerBound + range.count / 2
            let first = await deliverHalving(range.lowerBound..<middle, send: send)
            guard first == .delivered else { return first }
            return await deliverHalving(middle..<range.upperBound, send: send).after(accepted: middle - range.lowerBound)
        }
    }

    /// One request's body: `elements` as a JSON array.
    static func body(_ elements: ArraySlice<[UInt8]>) -> ByteBuffer {
        var body = ByteBuffer()
        body.reserveCapacity(elements.reduce(2) { $0 + $1.count + 1 })
        body.writeInteger(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { body.writeInteger(UInt8(ascii: ",")) }
            body.writeBytes(element)
        }
        body.writeInteger(UInt8(ascii: "]"))
        return body
    }
}
