/// The kind of JSON value a field holds, as seen by `JSONScanner`.
public enum JSONFieldKind: Sendable, Hashable {
    /// A string without backslash escapes: the range's bytes are its UTF-8.
    case string
    /// A string with backslash escapes: decode the range with
    /// `JSONScanner.unescapedString(_:)`.
    case stringWithEscapes
    /// A number; read it with `JSONScanner.number(in:range:)`.
    case number
    /// `true` or `false`.
    case bool
    /// `null`.
    case null
    /// An object; the range covers it from '{' to '}'.
    case object
    /// An array; the range covers it from '[' to ']'.
    case array
}

/// The result of looking up a field path in raw JSON bytes.
public enum JSONFieldLookup: Sendable, Hashable {
    /// The field exists. `range` is where its value's text lies in the
    /// scanned bytes; for strings it lies inside the quotes.
    case found(kind: JSONFieldKind, range: Range<Int>)
    /// An object along the path lacks the next key.
    case missing
    /// The document, or a value along the path before the last key, is not
    /// an object.
    case notAnObject
    /// The bytes are not valid JSON at `offset` (a byte offset into the
    /// scanned bytes).
    case malformed(offset: Int)
}
