import Columns
import JSONText
import TimeText

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The decoder's one-pass path for the usual record: a JSON object read
/// once, front to back, straight into the columns of its fields.
///
/// `ColumnarJSONDecoder.append` first validates a value (one scan), then
/// walks its members (a second scan, each value's span found again) and
/// matches each name against every field. JSON lines from one writer have
/// their members in the same order, scalar values or objects of the same
/// shape, and no escapes in names, so this path:
/// - checks the grammar as it goes (what it steps over is checked by
///   `JSONScanner.skipValue` / `skipString` at the nesting depth
///   `validate` would reach it, so with the same strictness and limits);
/// - matches a member's name against the field after the last matched one
///   first (one compare of bytes when the order is the schema's), then
///   against every field (no hashing, no string made);
/// - parses int32, int64 and timestamp integers, decimals of precision ≤ 18
///   (as scaled Int64) and doubles (exactly when the digits allow, else by
///   the scanner's correctly rounded conversion) from the bytes, reads
///   timestamps in strings without escapes by TimeText's rule, and
///   appends strings' bytes to the utf8 buffer as they are (escapes
///   decoded);
/// - reads a struct field's object with a nested reader of the same kind
///   (one per struct field, built with the schema), recursively, and its
///   `null` (nullable fields only) as a null struct row, whose children
///   get a null each, as on the validated path;
/// - hands any other type (lists, binary, dates, escaped timestamps, numbers
///   in strings) to the validated path's `read` over the value's span,
///   checked by `skipValue` first.
///
/// Anything else — a byte order mark, an escaped name, a value that does not
/// fit its field, text that is not JSON — makes it undo what it appended
/// and return false: the two-scan path then reads the record and gives
/// the failure its field and reason. So the fast path never decides a
/// failure, and accepts only what the validated path accepts, with the same
/// values.
///
/// # Thread safety
/// Immutable after init; `append` writes only the column it is given.
final class ColumnarJSONFastPath {
    /// How a field's value is read on this path.
    enum Reader {
        case int32, int64, float64, bool, utf8
        /// Integer ms, or a string without escapes by TimeText's rule;
        /// escaped strings on the validated path.
        case timestamp
        /// decimal(p ≤ 18, s): the unscaled value fits an Int64.
        case decimal(precision: Int, scale: Int)
        /// An object read by the nested reader for the struct's fields.
        case `struct`(ColumnarJSONFastPath)
        /// Through `ColumnarJSONDecoder.read` on the value's span.
        case validated
    }

    let readers: [Reader]
    let nullable: [Bool]
    /// This level's names and paths, for the validated path's `read`.
    let names: ColumnarJSONDecoder.NameTable
    /// The names' UTF-8, one after another; field i's is
    /// nameBytes[nameStarts[i] ..< nameStarts[i + 1]].
    let nameBytes: [UInt8]
    let nameStarts: [Int]

    /// 10^0 ... 10^18.
    static let powersOfTen: [Int64] = (0...18).map { power in (0..<power).reduce(Int64(1)) { value, _ in value * 10 } }
    /// 10^0 ... 10^22: exact as Doubles.
    static let doublePowersOfTen: [Double] = (0...22).map { power in (0..<power).reduce(1.0) { value, _ in value * 10 } }

    /// The reader of a struct of `fields`, whose names (and nested names)
    /// are `names`.
    init(fields: [Field], names: ColumnarJSONDecoder.NameTable) {
        readers = fields.enumerated().map { index, field in
            switch field.type {
            case .int32: return .int32
            case .int64: return .int64
            case .timestampMs: return .timestamp
            case .float64: return .float64
            case .bool: return .bool
            case .utf8: return .utf8
            case .decimal128(let precision, let scale) where precision <= 18: return .decimal(precision: precision, scale: scale)
            case .struct(let nested): return .struct(ColumnarJSONFastPath(fields: nested, names: names.children[index]!))
            default: return .validated
            }
        }
        nullable = fields.map(\.isNullable)
        self.names = names
        var bytes: [UInt8] = []
        var starts: [Int] = [0]
        for field in fields {
            bytes.append(contentsOf: field.name.utf8)
            starts.append(bytes.count)
        }
        nameBytes = bytes
        nameStarts = starts
    }

    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Whether field `index` of an object was read: its bit in `read` for
    /// the first 64 fields, else whether its column holds row `row`.
    @inline(__always)
    private static func isRead(_ index: Int, _ read: UInt64, _ children: [Column], _ row: Int) -> Bool {
        index < 64 ? read & (1 << UInt64(index)) != 0 : children[index].length != row
    }

    /// The offset of the first byte from `offset` on that is not whitespace.
    @inline(__always)
    private static func skipWhitespace(_ base: UnsafeRawPointer, _ count: Int, _ offset: Int) -> Int {
        var offset = offset
        while offset < count, isWhitespace(base.load(fromByteOffset: offset, as: UInt8.self)) { offset += 1 }
        return offset
    }

    /// The byte at `offset`, 0 past the end.
    @inline(__always)
    private static func byte(_ base: UnsafeRawPointer, _ count: Int, _ offset: Int) -> UInt8 {
        offset < count ? base.load(fromByteOffset: offset, as: UInt8.self) : 0
    }

    /// Appends `value` as one struct row of `column` and returns true, or
    /// leaves `column` as it was and returns false (the caller then takes
    /// the validated path).
    func append(_ value: UnsafeRawBufferPointer, to column: Column) -> Bool {
        let row = column.length
        if readRecord(value, row: row, column: column) {
            column.appendStruct()
            return true
        }
        column.truncate(to: row)
        return false
    }

    /// The record: an object, whitespace around it, nothing else.
    private func readRecord(_ text: UnsafeRawBufferPointer, row: Int, column: Column) -> Bool {
        guard let base = text.baseAddress else { return false }
        let count = text.count
        // `validate` reads the record at depth 0, its members' values at 1.
        let end = readObject(text, at: Self.skipWhitespace(base, count, 0), row: row, column: column, depth: 1)
        guard end > 0 else { return false }
        return Self.skipWhitespace(base, count, end) == count
    }

    /// Reads the object at `start` into the children of `column` (row
    /// `row`, which the caller closes with `appendStruct`): the offset
    /// past it, or -1. `depth` is the nesting depth of the members' values
    /// as `validate` counts it.
    private func readObject(_ text: UnsafeRawBufferPointer, at start: Int, row: Int, column: Column, depth: Int) -> Int {
        let base = text.baseAddress!
        let count = text.count
        let children = column.children
        let fieldCount = children.count
        // No local functions over `offset`: capturing it costs a dynamic
        // exclusivity check per access.
        var offset = start
        // The fields read so far, a bit each for the first 64 (no call
        // into the column per member); past those, a field's column
        // already holds row `row` when it was read.
        var read: UInt64 = 0
        guard Self.byte(base, count, offset) == UInt8(ascii: "{") else { return -1 }
        offset += 1
        offset = Self.skipWhitespace(base, count, offset)
        var expected = 0
        if Self.byte(base, count, offset) == UInt8(ascii: "}") {
            offset += 1
        } else {
            while true {
                // The name.
                guard Self.byte(base, count, offset) == UInt8(ascii: "\"") else { return -1 }
                let (nameEnd, escaped) = JSONScanner.skipString(in: text, at: offset)
                guard nameEnd > 0, !escaped else { return -1 }
                let name = UnsafeRawBufferPointer(start: base + offset + 1, count: nameEnd - offset - 2)
                offset = nameEnd
                offset = Self.skipWhitespace(base, count, offset)
                guard Self.byte(base, count, offset) == UInt8(ascii: ":") else { return -1 }
                offset += 1
                offset = Self.skipWhitespace(base, count, offset)
                // Its field: the expected one, else any.
                var index = -1
                if fieldCount > 0 {
                    if expected < fieldCount && nameEquals(expected, name) {
                        index = expected
                    } else {
                        for candidate in 0..<fieldCount where candidate != expected && nameEquals(candidate, name) {
                            index = candidate
                            break
                        }
                    }
                }
                if index >= 0 { expected = index + 1 }
                // The value: read into the field's column, or stepped over
                // (not a field, or a duplicate: the first counts).
                if index < 0 || Self.isRead(index, read, children, row) {
                    let end = JSONScanner.skipValue(in: text, at: offset, depth: depth)
                    guard end > 0 else { return -1 }
                    offset = end
                } else {
                    let end = readValue(text, at: offset, field: index, into: children[index], row: row, depth: depth)
                    guard end > 0 else { return -1 }
                    offset = end
                    if index < 64 { read |= 1 << UInt64(index) }
                }
                offset = Self.skipWhitespace(base, count, offset)
                let separator = Self.byte(base, count, offset)
                offset += 1
                if separator == UInt8(ascii: "}") { break }
                guard separator == UInt8(ascii: ",") else { return -1 }
                offset = Self.skipWhitespace(base, count, offset)
            }
        }
        // Missing members are nulls.
        for index in 0..<fieldCount where !Self.isRead(index, read, children, row) {
            guard nullable[index] else { return -1 }
            children[index].appendNull()
        }
        return offset
    }

    @inline(__always)
    private func nameEquals(_ field: Int, _ name: UnsafeRawBufferPointer) -> Bool {
        let start = nameStarts[field]
        let length = nameStarts[field + 1] - start
        guard length == name.count else { return false }
        // Names are short: a loop, not a call to memcmp.
        return nameBytes.withUnsafeBytes { bytes in
            let expected = bytes.baseAddress! + start
            let given = name.baseAddress!
            var index = 0
            while index < length {
                guard expected.load(fromByteOffset: index, as: UInt8.self) == given.load(fromByteOffset: index, as: UInt8.self)
                else { return false }
                index += 1
            }
            return true
        }
    }

    /// Reads the value at `start` into `column` as its row `row`: the
    /// offset past it, or -1 when it is not read here (not JSON, does not
    /// fit, another path).
    private func readValue(_ text: UnsafeRawBufferPointer, at start: Int, field: Int, into column: Column,
                           row: Int, depth: Int) -> Int {
        let base = text.baseAddress!
        let count = text.count
        @inline(__always) func byte(_ offset: Int) -> UInt8 {
            offset < count ? base.load(fromByteOffset: offset, as: UInt8.self) : 0
        }
        let first = byte(start)
        if first == UInt8(ascii: "n") {
            guard nullable[field], Self.literal(text, at: start, "null") else { return -1 }
            column.appendNull()
            return start + 4
        }
        switch readers[field] {
        case .int32:
            guard let (value, end) = Self.integer(text, at: start), let small = Int32(exactly: value) else { return -1 }
            column.append(int32: small)
            return end
        case .int64:
            guard let (value, end) = Self.integer(text, at: start) else { return -1 }
            column.append(value)
            return end
        case .timestamp:
            if first == UInt8(ascii: "\"") {
                let (end, escaped) = JSONScanner.skipString(in: text, at: start)
                guard end > 0 else { return -1 }
                guard !escaped else { return readValidated(text, at: start, field: field, into: column, depth: depth) }
                let inner = UnsafeRawBufferPointer(start: base + start + 1, count: end - start - 2)
                guard let ms = TimeText.epochMilliseconds(inner) else { return -1 }
                column.append(ms)
                return end
            }
            guard let (value, end) = Self.integer(text, at: start) else { return -1 }
            column.append(value)
            return end
        case .decimal(let precision, let scale):
            guard let (value, end) = Self.decimal(text, at: start, precision: precision, scale: scale) else { return -1 }
            column.append(Decimal128(value))
            return end
        case .float64:
            guard first == UInt8(ascii: "-") || (first &- 0x30) < 10 else { return -1 }
            if let (value, end) = Self.exactDouble(text, at: start) {
                column.append(value)
                return end
            }
            let end = JSONScanner.skipValue(in: text, at: start, depth: depth)
            guard end > 0, let value = JSONScanner.number(in: text, range: start..<end) else { return -1 }
            column.append(value)
            return end
        case .bool:
            if Self.literal(text, at: start, "true") {
                column.append(true)
                return start + 4
            }
            guard Self.literal(text, at: start, "false") else { return -1 }
            column.append(false)
            return start + 5
        case .utf8:
            guard first == UInt8(ascii: "\"") else { return -1 }
            let (end, escaped) = JSONScanner.skipString(in: text, at: start)
            guard end > 0 else { return -1 }
            let inner = UnsafeRawBufferPointer(start: base + start + 1, count: end - start - 2)
            if escaped {
                guard let decoded = JSONScanner.unescapedString(inner) else { return -1 }
                decoded.withUnsafeBytes { column.append(bytes: $0) }
            } else {
                column.append(bytes: inner)
            }
            return end
        case .struct(let nested):
            // `validate` fails an object at the nesting limit.
            guard depth < JSONLimits.nestingDepthMax else { return -1 }
            // A struct's children hold as many rows as the struct.
            let end = nested.readObject(text, at: start, row: row, column: column, depth: depth + 1)
            guard end > 0 else { return -1 }
            column.appendStruct()
            return end
        case .validated:
            return readValidated(text, at: start, field: field, into: column, depth: depth)
        }
    }

    /// Reads the value at `start` through the validated path's `read`, once
    /// `skipValue` (or `skipString`) has checked its text.
    private func readValidated(_ text: UnsafeRawBufferPointer, at start: Int, field: Int, into column: Column,
                               depth: Int) -> Int {
        let kind: JSONFieldKind
        let end: Int
        switch text[start] {
        case UInt8(ascii: "\""):
            let (stringEnd, escaped) = JSONScanner.skipString(in: text, at: start)
            kind = escaped ? .stringWithEscapes : .string
            end = stringEnd
        case UInt8(ascii: "{"): kind = .object; end = JSONScanner.skipValue(in: text, at: start, depth: depth)
        case UInt8(ascii: "["): kind = .array; end = JSONScanner.skipValue(in: text, at: start, depth: depth)
        case UInt8(ascii: "t"), UInt8(ascii: "f"): kind = .bool; end = JSONScanner.skipValue(in: text, at: start, depth: depth)
        default: kind = .number; end = JSONScanner.skipValue(in: text, at: start, depth: depth)
        }
        guard end > 0 else { return -1 }
        do throws(ColumnarJSONDecoder.Failure) {
            try ColumnarJSONDecoder.read(UnsafeRawBufferPointer(rebasing: text[start..<end]), kind: kind, into: column,
                                         nullable: nullable[field], names: names.children[field]!,
                                         path: names.paths[field])
        } catch {
            return -1
        }
        return end
    }

    @inline(__always)
    private static func literal(_ text: UnsafeRawBufferPointer, at start: Int, _ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard start + length <= text.count else { return false }
        return memcmp(text.baseAddress! + start, word.utf8Start, length) == 0
    }

    /// Whether `byte` may continue a JSON number (so that a value read as
    /// an integer or a decimal is not in fact longer).
    @inline(__always)
    private static func continuesNumber(_ byte: UInt8) -> Bool {
        (byte &- 0x30) < 10 || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    /// The digits at `start`: their value (nil past 19 digits) and end;
    /// nil for a JSON leading zero followed by a digit or no digit at all.
    @inline(__always)
    private static func digits(_ text: UnsafeRawBufferPointer, from start: Int) -> (value: UInt64, end: Int)? {
        let base = text.baseAddress!
        var offset = start
        var value: UInt64 = 0
        while offset < text.count {
            let digit = base.load(fromByteOffset: offset, as: UInt8.self) &- 0x30
            guard digit < 10 else { break }
            guard offset - start < 19 else { return nil }
            value = value &* 10 &+ UInt64(digit)
            offset += 1
        }
        guard offset > start else { return nil }
        // JSON: no leading zero before another digit.
        if offset - start > 1 && base.load(fromByteOffset: start, as: UInt8.self) == UInt8(ascii: "0") { return nil }
        return (value, offset)
    }

    /// An integer literal (no fraction, no exponent) that fits an Int64.
    private static func integer(_ text: UnsafeRawBufferPointer, at start: Int) -> (Int64, Int)? {
        let negative = start < text.count && text[start] == UInt8(ascii: "-")
        guard let (magnitude, end) = digits(text, from: negative ? start + 1 : start) else { return nil }
        if end < text.count && continuesNumber(text[end]) { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return (Int64(truncatingIfNeeded: 0 &- magnitude), end)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return (Int64(magnitude), end)
    }

    /// A number in plain notation as decimal(precision ≤ 18, scale),
    /// unscaled; nil where `DecimalText.parse` would refuse or round it (or the
    /// text is not a JSON number).
    private static func decimal(_ text: UnsafeRawBufferPointer, at start: Int, precision: Int, scale: Int) -> (Int64, Int)? {
        let negative = start < text.count && text[start] == UInt8(ascii: "-")
        let integerStart = negative ? start + 1 : start
        guard let (integerPart, integerEnd) = digits(text, from: integerStart) else { return nil }
        // Significant integer digits: "0" has none.
        let integerDigits = integerPart == 0 ? 0 : integerEnd - integerStart
        guard integerDigits + scale <= precision else { return nil }
        var unscaled = Int64(integerPart) * powersOfTen[scale]
        var end = integerEnd
        if end < text.count && text[end] == UInt8(ascii: ".") {
            end += 1
            let fractionStart = end
            var fraction: Int64 = 0
            while end < text.count {
                let digit = text[end] &- 0x30
                guard digit < 10 else { break }
                if end - fractionStart < scale {
                    fraction = fraction * 10 + Int64(digit)
                } else if digit != 0 {
                    return nil  // more decimals than the scale: rounded there
                }
                end += 1
            }
            let fractionDigits = end - fractionStart
            guard fractionDigits > 0 else { return nil }
            if fractionDigits < scale { fraction *= powersOfTen[scale - fractionDigits] }
            unscaled += fraction
        }
        if end < text.count && continuesNumber(text[end]) { return nil }
        return (negative ? -unscaled : unscaled, end)
    }

    /// A double whose decimal digits (at most 15 significant, fraction at
    /// most 22 digits, no exponent) make one exact division, so correctly
    /// rounded; nil otherwise (the caller converts the general way).
    private static func exactDouble(_ text: UnsafeRawBufferPointer, at start: Int) -> (Double, Int)? {
        let negative = text[start] == UInt8(ascii: "-")
        let integerStart = negative ? start + 1 : start
        guard let (integerPart, integerEnd) = digits(text, from: integerStart),
              integerEnd - integerStart <= 15 else { return nil }
        var mantissa = integerPart
        var end = integerEnd
        var fractionDigits = 0
        if end < text.count && text[end] == UInt8(ascii: ".") {
            end += 1
            let fractionStart = end
            while end < text.count {
                let digit = text[end] &- 0x30
                guard digit < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                end += 1
                guard end - integerStart <= 16 else { return nil }  // 15 digits and the point
            }
            fractionDigits = end - fractionStart
            guard fractionDigits > 0 else { return nil }
        }
        if end < text.count && continuesNumber(text[end]) { return nil }
        guard mantissa < 1 << 53 else { return nil }
        let value = Double(mantissa) / doublePowersOfTen[fractionDigits]
        return (negative ? -value : value, end)
    }
}
