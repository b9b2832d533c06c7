extension JSONValue {
    /// The deepest nesting of arrays and objects that `parse` accepts.
    public static let nestingDepthMax = JSONParser.nestingDepthMax

    /// Parses `text` as one strict RFC 8259 JSON text.
    ///
    /// Integers that fit `Int64` become `.int`; other numbers become
    /// `.double`, and a number too large for a `Double` is an error. Object
    /// keys must be unique. See `JSONParser` for every rule.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        let contiguous: Result<JSONValue, JSONParseError>? = text.utf8.withContiguousStorageIfAvailable {
            buffer in
            Result { () throws(JSONParseError) in try parse(bytes: UnsafeRawBufferPointer(buffer)) }
        }
        if let contiguous { return try contiguous.get() }
        // Bridged or otherwise non-contiguous strings: make a native copy.
        var copy = text
        copy.makeContiguousUTF8()
        let result: Result<JSONValue, JSONParseError> = copy.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(bytes: UnsafeRawBufferPointer(buffer)) }
        }
        return try result.get()
    }

    /// Parses UTF-8 `bytes` as one strict RFC 8259 JSON text.
    ///
    /// # Ownership
    /// `bytes` is borrowed until the call returns; the result copies what it
    /// keeps.
    public static func parse(bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }
}
