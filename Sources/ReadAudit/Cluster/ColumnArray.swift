import NIOCore
import PostgresNIO

/// One column of a batch as a one-dimensional PostgreSQL array in the binary wire format, written byte by
/// byte: the postgres sink sends a batch as one array per column and the server `unnest`s them into rows.
///
/// Nothing is parsed or escaped on either side: a text element travels as its UTF-8 bytes, an integer as
/// eight bytes, a hash as its thirty-two. (PostgresNIO's own `[String]` encoding goes through its generic
/// per-element machinery, several times the cost; a JSON document costs the server more to unpack than
/// the rows cost to insert.)
struct ColumnArray: PostgresDynamicTypeEncodable {
    let psqlType: PostgresDataType
    var psqlFormat: PostgresFormat { .binary }
    private var buffer: ByteBuffer
    private var count: Int32 = 0
    private var hasNull = false

    /// The header's offsets: `ndim`, the null flag, the element type, the length, the lower bound.
    private static let flagOffset = 4, lengthOffset = 12

    private init(array: PostgresDataType, element: PostgresDataType, capacity: Int) {
        psqlType = array
        buffer = ByteBufferAllocator().buffer(capacity: 20 + capacity)
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(Int32(bitPattern: element.rawValue))
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(Int32(1))
    }

    static func text(capacity rows: Int, bytesPerElement: Int = 16) -> ColumnArray {
        ColumnArray(array: .textArray, element: .text, capacity: rows * (4 + bytesPerElement))
    }

    static func int8(capacity rows: Int) -> ColumnArray {
        ColumnArray(array: .int8Array, element: .int8, capacity: rows * 12)
    }

    static func bytea(capacity rows: Int, bytesPerElement: Int = 32) -> ColumnArray {
        ColumnArray(array: .byteaArray, element: .bytea, capacity: rows * (4 + bytesPerElement))
    }

    private mutating func counted() { count += 1 }

    mutating func append(_ value: Int64) {
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(value)
        counted()
    }

    mutating func append(_ value: String) {
        let length = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        let written = buffer.writeString(value)
        buffer.setInteger(Int32(written), at: length)
        counted()
    }

    mutating func append(_ value: String?) {
        if let value { append(value) } else { appendNull() }
    }

    /// A text element given as its UTF-8 bytes.
    mutating func append(utf8 bytes: [UInt8]) {
        buffer.writeInteger(Int32(bytes.count))
        buffer.writeBytes(bytes)
        counted()
    }

    /// A list column as the journal stores it: its JSON text.
    mutating func append(list: [String]) {
        var text = JSONText(capacity: 128)
        text.stringArray(list)
        append(utf8: text.bytes)
    }

    /// A map column as the journal stores it: its JSON text, keys in UTF-8 byte order.
    mutating func append(map: [String: String]) {
        var text = JSONText(capacity: 128)
        text.stringMap(map)
        append(utf8: text.bytes)
    }

    mutating func append(_ hash: ChainHash) {
        buffer.writeInteger(Int32(32))
        hash.withUnsafeBytes { _ = buffer.writeBytes($0) }
        counted()
    }

    mutating func appendNull() {
        buffer.writeInteger(Int32(-1))
        if !hasNull {
            hasNull = true
            buffer.setInteger(Int32(1), at: buffer.readerIndex + Self.flagOffset)
        }
        counted()
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        var copy = buffer
        copy.setInteger(count, at: copy.readerIndex + Self.lengthOffset)
        byteBuffer.writeBuffer(&copy)
    }
}
