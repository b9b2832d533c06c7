/// A validated JSON value seen in place: its kind and its bytes, with
/// lookups that build no tree.
///
/// Records are mostly JSON, and an operator often needs one field of each:
/// `try JSONView(parsing: value).member("amount")?.doubleValue` checks the
/// text once and allocates nothing.
///
/// ```swift
/// let order = try JSONView(parsing: value)
/// if order.kind == .object, let amount = order.member("amount"), amount.kind == .number { ... }
/// ```
///
/// # Thread safety
/// A value type over immutable bytes; as thread-safe as those bytes.
///
/// # Ownership
/// BORROWS the text it was parsed from: a view is valid as long as that
/// buffer (for a record, until the callback returns). Copy out with
/// `stringValue`, `doubleValue`, `appendCompact(to:)`...
public struct JSONView {
    /// The JSON types.
    public enum Kind: Sendable, Equatable {
        case null, bool, number, string, array, object
    }

    /// The kind of the value.
    public let kind: Kind

    /// The value's text, without surrounding whitespace.
    public let bytes: UnsafeRawBufferPointer

    init(kind: Kind, bytes: UnsafeRawBufferPointer) {
        self.kind = kind
        self.bytes = bytes
    }

    /// Validates `text` as one JSON value (surrounding whitespace allowed)
    /// and views it.
    public init(parsing text: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        var scanner = JSONScanner(text)
        let (kind, range) = try scanner.scanValue()
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw scanner.error("unexpected text after the value") }
        self.init(kind: kind, bytes: UnsafeRawBufferPointer(rebasing: text[range]))
    }

    /// Whether `text` is one valid JSON value.
    public static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { (try? JSONView(parsing: UnsafeRawBufferPointer($0))) != nil }
    }

    // MARK: Objects

    /// Calls `body` with each member of an object, in order: the name (a
    /// view of kind `.string`; compare it with `stringEquals`) and the value.
    /// Does nothing for other kinds.
    public func forEachMember(_ body: (_ name: JSONView, _ value: JSONView) throws -> Void) rethrows {
        guard kind == .object else { return }
        var scanner = JSONScanner(bytes, position: 1)
        scanner.skipWhitespace()
        if scanner.current == UInt8(ascii: "}") { return }
        while true {
            scanner.skipWhitespace()
            // The text was validated when the view was made: these cannot fail.
            let (_, nameRange) = try! scanner.scanValue()
            scanner.skipWhitespace()
            scanner.position += 1  // ':'
            let (valueKind, valueRange) = try! scanner.scanValue()
            try body(
                JSONView(kind: .string, bytes: UnsafeRawBufferPointer(rebasing: bytes[nameRange])),
                JSONView(kind: valueKind, bytes: UnsafeRawBufferPointer(rebasing: bytes[valueRange])))
            scanner.skipWhitespace()
            if scanner.current == UInt8(ascii: "}") { return }
            scanner.position += 1  // ','
        }
    }

    /// The value of the member named `name` (UTF-8 bytes), or `nil` if the
    /// view is not an object or has no such member. With duplicate names
    /// the last one wins, as in most JSON parsers.
    public func member(utf8 name: UnsafeRawBufferPointer) -> JSONView? {
        var found: JSONView? = nil
        forEachMember { memberName, value in
            if memberName.stringEquals(utf8: name) { found = value }
        }
        return found
    }

    /// The value of the member named `name`, or `nil` if the view is not an
    /// object or has no such member.
    public func member(_ name: String) -> JSONView? {
        var name = name
        return name.withUTF8 { member(utf8: UnsafeRawBufferPointer($0)) }
    }

    // MARK: Arrays

    /// Calls `body` with each element of an array, in order. Does nothing
    /// for other kinds.
    public func forEachElement(_ body: (JSONView) throws -> Void) rethrows {
        guard kind == .array else { return }
        var scanner = JSONScanner(bytes, position: 1)
        scanner.skipWhitespace()
        if scanner.current == UInt8(ascii: "]") { return }
        while true {
            let (elementKind, range) = try! scanner.scanValue()
            try body(JSONView(kind: elementKind, bytes: UnsafeRawBufferPointer(rebasing: bytes[range])))
            scanner.skipWhitespace()
            if scanner.current == UInt8(ascii: "]") { return }
            scanner.position += 1  // ','
        }
    }
}
