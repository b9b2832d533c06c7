/// Looks one element or member up in JSON text taken whole from a record
/// (`tags[1]`, `payload['id']` on a field whose value is an array or object).
enum JSONLookup {
    /// The element at an integer key of a JSON array, or the member at a
    /// string key of an object; null when absent; nil when the text is not
    /// valid JSON.
    static func element(of container: ExpressionValue, _ key: ExpressionValue) -> ExpressionValue? {
        guard case .json(var text) = container else { return nil }
        return text.withUTF8 { bytes -> ExpressionValue? in
            let raw = UnsafeRawBufferPointer(bytes)
            var cursor = JSONCursor(raw)
            cursor.skipSpace()
            var found: RecordFieldScanner.Slot?
            do throws(JSONCursor.Failure) {
                switch (cursor.peek, key) {
                case (UInt8(ascii: "["), .integer(let wanted)):
                    try cursor.forEachElement(depth: 0) { (cursor: inout JSONCursor, index: Int) throws(JSONCursor.Failure) in
                        let start = cursor.position
                        let kind = try cursor.skipValue(depth: 1)
                        if Int64(index) == wanted { found = .init(kind: kind, start: start, end: cursor.position) }
                    }
                case (UInt8(ascii: "{"), .string(let wanted)):
                    let name = Array(wanted.utf8)
                    try cursor.forEachMember(depth: 0) { (cursor: inout JSONCursor, range: Range<Int>, escaped: Bool) throws(JSONCursor.Failure) in
                        let start = cursor.position
                        let kind = try cursor.skipValue(depth: 1)
                        var memberName = Array(raw[range])
                        if escaped {
                            memberName = []
                            JSONCursor.unescape(UnsafeRawBufferPointer(rebasing: raw[range]), into: &memberName)
                        }
                        if memberName == name { found = .init(kind: kind, start: start, end: cursor.position) }
                    }
                default:
                    return .null
                }
            } catch {
                return nil
            }
            guard let found else { return .null }
            return RecordFieldScanner.value(of: found, in: raw)
        }
    }
}
