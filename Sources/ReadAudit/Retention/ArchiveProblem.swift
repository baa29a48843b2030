/// What archive verification found wrong, naming the segment file and, where it can, the first bad sequence.
public struct ArchiveProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of damage, as a stable word for scripts (the chain's words where they mean the same).
    public enum Kind: String, Sendable {
        /// The file cannot be read: not gzip, truncated, a line that is not an entry, a bad header.
        case unreadable
        /// An entry's contents no longer match its own hash: a field was edited.
        case contentsAltered = "contents_altered"
        /// An entry, or a segment, does not link to the one before it.
        case brokenLink = "broken_link"
        /// A sequence number is missing inside a segment (entries were deleted, or the file was cut short).
        case missingSequence = "missing_sequence"
        /// A whole segment is missing between two others, or a segment the journal recorded is gone or replaced.
        case missingSegment = "missing_segment"
        /// The entries do not produce the signed checkpoint's head or Merkle root: they were rewritten.
        case checkpointMismatch = "checkpoint_mismatch"
        /// The checkpoint's signature does not match its statement.
        case badSignature = "bad_signature"
        /// The checkpoint was signed by a key that is not among the trusted public keys.
        case unknownKey = "unknown_key"
        /// The header disagrees with the file's name or its entries (range, times, frontier).
        case headerMismatch = "header_mismatch"
    }

    /// The segment's file name (no directory).
    public var file: String
    /// The first sequence number at which the archive is no longer trustworthy; nil when the problem is
    /// with the segment as a whole (its signature, say).
    public var sequence: Int64?
    public var kind: Kind
    public var message: String

    public init(file: String, sequence: Int64?, kind: Kind, message: String) {
        self.file = file
        self.sequence = sequence
        self.kind = kind
        self.message = message
    }

    /// `segment <file>: sequence N: <kind>: <what>` (the sequence part only when known).
    public var description: String {
        "segment \(file): " + (sequence.map { "sequence \($0): " } ?? "") + "\(kind.rawValue): \(message)"
    }

    /// The same problem in the hash chain's terms (for `verify`, which reports one first bad sequence).
    public var chainProblem: ChainProblem {
        let chainKind: ChainProblem.Kind =
            switch kind {
            case .contentsAltered: .contentsAltered
            case .missingSequence, .missingSegment: .missingSequence
            case .unreadable: .unreadable
            default: .brokenLink
            }
        return ChainProblem(sequence: sequence ?? 0, kind: chainKind, message: "archive segment \(file): \(kind.rawValue): \(message)")
    }
}
