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

    /// Validates `text` as one JSON value (surrounding whitespace and a
    /// leading byte order mark allowed) under the rule every reader in
    /// streamhost applies (SDK/README.md, "JSON"), and views it.
    public init(parsing text: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        let span = try JSONScanner.validate(text)
        self.init(kind: Kind(span.kind), bytes: UnsafeRawBufferPointer(rebasing: text[span.range]))
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
        // The text was validated when the view was made.
        try JSONScanner.forEachMember(ofValidObject: bytes) { name, value in
            try body(
                JSONView(kind: .string, bytes: UnsafeRawBufferPointer(rebasing: bytes[name.range])),
                JSONView(kind: Kind(value.kind), bytes: UnsafeRawBufferPointer(rebasing: bytes[value.range])))
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
        try JSONScanner.forEachElement(ofValidArray: bytes) { element in
            try body(JSONView(kind: Kind(element.kind), bytes: UnsafeRawBufferPointer(rebasing: bytes[element.range])))
        }
    }
}

extension JSONView.Kind {
    /// The kind of a value the scanner stepped over.
    @inline(__always)
    init(_ kind: JSONFieldKind) {
        switch kind {
        case .string, .stringWithEscapes: self = .string
        case .number: self = .number
        case .bool: self = .bool
        case .null: self = .null
        case .object: self = .object
        case .array: self = .array
        }
    }
}
