import Foundation

/// Line 1 of an archive segment file (docs/archive-format.md): which entries the segment holds, where its
/// chain and Merkle tree start, and the signed checkpoint that seals it.
public struct ArchiveHeader: Sendable, Equatable {
    /// The `format` value of version 1.
    public static let format = "readaudit.archive.v1"

    public var node: String
    /// First and last sequence numbers held (both included).
    public var first: Int64
    public var last: Int64
    /// Earliest and latest event time in the segment (times need not grow with the sequence).
    public var firstTime: AuditTime
    public var lastTime: AuditTime
    /// Chain hash of entry `first - 1` (the genesis hash when `first` is 1).
    public var prevHash: ChainHash
    /// `MerkleFrontier(size: first - 1).subtrees`: the tree before the segment, largest subtree first.
    public var prefixFrontier: [ChainHash]
    /// Signed over entries 1 through `last`: `size == last`, `head` the last entry's hash.
    public var checkpoint: Checkpoint

    public init(
        node: String, first: Int64, last: Int64, firstTime: AuditTime, lastTime: AuditTime, prevHash: ChainHash,
        prefixFrontier: [ChainHash], checkpoint: Checkpoint
    ) {
        self.node = node
        self.first = first
        self.last = last
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.prevHash = prevHash
        self.prefixFrontier = prefixFrontier
        self.checkpoint = checkpoint
    }

    /// Entries the segment holds.
    public var entryCount: Int64 { last - first + 1 }

    /// The header as one JSON object, keys in a fixed order, without the line break.
    public var jsonBytes: [UInt8] {
        var json = JSONText(capacity: 1024)
        json.raw("{")
        json.key("format", first: true)
        json.string(Self.format)
        json.key("node")
        json.string(node)
        json.key("first")
        json.raw(String(first))
        json.key("last")
        json.raw(String(last))
        json.key("firstTime")
        json.string(firstTime.description)
        json.key("lastTime")
        json.string(lastTime.description)
        json.key("prevHash")
        json.string(prevHash.hex)
        json.key("prefixFrontier")
        json.stringArray(prefixFrontier.map(\.hex))
        json.key("checkpoint")
        json.raw(bytes: checkpoint.json.bytes)
        json.raw("}")
        return json.bytes
    }

    /// Reads a header line strictly: every key present with its type, nothing unknown.
    public init(line: some Collection<UInt8>) throws(ExportFormatError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(line))
        } catch {
            throw ExportFormatError("the header is not JSON: \(error.reason)")
        }
        guard let members = value.objectMembers else { throw ExportFormatError("the header must be a JSON object") }
        var map: [String: JSONValue] = [:]
        for (key, member) in members { map[key] = member }
        let known: Set<String> = ["format", "node", "first", "last", "firstTime", "lastTime", "prevHash", "prefixFrontier", "checkpoint"]
        if let unknown = map.keys.first(where: { !known.contains($0) }) { throw ExportFormatError("unknown header key \(unknown)") }
        guard case .string(Self.format)? = map["format"] else { throw ExportFormatError("format must be \(Self.format)") }
        func string(_ key: String) throws(ExportFormatError) -> String {
            guard case .string(let text)? = map[key] else { throw ExportFormatError("header \(key) must be a string") }
            return text
        }
        func number(_ key: String) throws(ExportFormatError) -> Int64 {
            guard case .number(let text)? = map[key], let value = Int64(text), value > 0 else {
                throw ExportFormatError("header \(key) must be a positive whole number")
            }
            return value
        }
        func time(_ key: String) throws(ExportFormatError) -> AuditTime {
            guard let time = AuditTime(parsing: try string(key)) else { throw ExportFormatError("header \(key) must be an RFC 3339 time") }
            return time
        }
        func hash(_ text: String, _ key: String) throws(ExportFormatError) -> ChainHash {
            guard let hash = ChainHash(hex: text), hash.hex == text else { throw ExportFormatError("header \(key) must be 64 lower-case hex digits") }
            return hash
        }
        node = try string("node")
        first = try number("first")
        last = try number("last")
        guard last >= first else { throw ExportFormatError("header last is before first") }
        firstTime = try time("firstTime")
        lastTime = try time("lastTime")
        prevHash = try hash(try string("prevHash"), "prevHash")
        guard case .array(let items)? = map["prefixFrontier"] else { throw ExportFormatError("header prefixFrontier must be a list") }
        var frontier = [ChainHash]()
        for item in items {
            guard case .string(let text) = item else { throw ExportFormatError("header prefixFrontier must be a list of hashes") }
            frontier.append(try hash(text, "prefixFrontier"))
        }
        prefixFrontier = frontier
        guard let checkpointValue = map["checkpoint"] else { throw ExportFormatError("header checkpoint is missing") }
        do {
            checkpoint = try Checkpoint(json: checkpointValue)
        } catch {
            throw ExportFormatError("header checkpoint: \(error)")
        }
    }
}

/// Names and places of segment files.
public enum ArchiveSegmentName {
    /// `<node>-<first, 12 digits>-<last, 12 digits>.jsonl.gz`; characters other than letters, digits, `.`,
    /// `_` and `-` in the node name become `_` (the header keeps the real name).
    public static func fileName(node: String, first: Int64, last: Int64) -> String {
        var safe = ""
        for scalar in node.unicodeScalars {
            let allowed = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
            safe.unicodeScalars.append(allowed ? scalar : "_")
        }
        if safe.isEmpty { safe = "node" }
        let digits = String(first).leftPadded(to: 12) + "-" + String(last).leftPadded(to: 12)
        return safe + "-" + digits + suffix
    }

    public static let suffix = ".jsonl.gz"

    /// The sequence range a segment file name states, or nil for any other file.
    public static func range(of fileName: String) -> (first: Int64, last: Int64)? {
        guard fileName.hasSuffix(suffix) else { return nil }
        let parts = fileName.dropLast(suffix.count).split(separator: "-")
        guard parts.count >= 3, let first = Int64(parts[parts.count - 2]), let last = Int64(parts[parts.count - 1]),
            parts[parts.count - 2].count == 12, parts[parts.count - 1].count == 12, first >= 1, last >= first
        else { return nil }
        return (first, last)
    }

    /// Segment files in `directory` (by name), sorted by first sequence; none when it does not exist.
    public static func files(in directory: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        var named: [(name: String, first: Int64)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            if let range = range(of: name) { named.append((name, range.first)) }
        }
        named.sort { a, b in a.first != b.first ? a.first < b.first : a.name < b.name }
        return named.map { (directory as NSString).appendingPathComponent($0.name) }
    }
}
