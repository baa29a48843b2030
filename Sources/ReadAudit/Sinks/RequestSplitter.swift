/// Cuts a batch into consecutive requests whose bodies stay within a byte limit and, when the protocol has
/// one, an element limit (one oversized element still goes alone: the receiver decides what to do with it).
public enum RequestSplitter {
    /// Consecutive ranges of `sizes`; a body is `overhead` bytes plus its elements with `separator` bytes
    /// between them (a JSON array: overhead 2 for `[]`, separator 1 for `,`).
    public static func ranges(
        sizes: [Int], maxBytes: Int, maxCount: Int = .max, separator: Int = 0, overhead: Int = 0
    ) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var bytes = overhead
        for (index, size) in sizes.enumerated() {
            let added = size + (index > start ? separator : 0)
            if index > start && (bytes + added > maxBytes || index - start >= maxCount) {
                ranges.append(start..<index)
                start = index
                bytes = overhead + size
            } else {
                bytes += added
            }
        }
        if start < sizes.count { ranges.append(start..<sizes.count) }
        return ranges
    }
}
