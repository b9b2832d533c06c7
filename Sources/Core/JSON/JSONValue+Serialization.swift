extension JSONValue {
    /// The value as compact JSON text (no whitespace), keys in insertion
    /// order, doubles printed so that they parse back to the same `Double`.
    /// See `JSONSerializer` for the exact rules.
    public func serialized() -> String {
        var serializer = JSONSerializer()
        serializer.write(self)
        return String(decoding: serializer.output, as: UTF8.self)
    }

    /// The value as compact JSON, as UTF-8 bytes.
    public func serializedBytes() -> [UInt8] {
        var serializer = JSONSerializer()
        serializer.write(self)
        return serializer.output
    }

    /// The value as pretty-printed JSON (see `JSONSerializer`), as UTF-8
    /// bytes: for the host's files that people read and may edit.
    public func prettySerializedBytes() -> [UInt8] {
        var serializer = JSONSerializer()
        serializer.pretty = true
        serializer.write(self)
        return serializer.output
    }
}
