/// Keeps, drops and renames the top-level fields of JSON object records,
/// like Kafka Connect's ReplaceField transform: fields stay in the
/// record's order, a field that is kept but missing is simply absent.
///
/// `keep` (if not empty) lists the fields kept; `drop` removes fields
/// (after `keep`); `rename` maps old names to new ones (after both).
/// Member texts are copied as they are.
///
/// # Thread safety
/// Immutable after init.
public struct RecordProjection: Sendable {
    public struct InvalidProjection: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private let keep: [[UInt8]]
    private let drop: [[UInt8]]
    private let renames: [(from: [UInt8], to: [UInt8])]

    public init(keep: [String], drop: [String], rename: [(from: String, to: String)]) throws(InvalidProjection) {
        var targets = Set<String>()
        for (from, to) in rename {
            guard !to.isEmpty else { throw InvalidProjection(description: "rename: '\(from)' is renamed to an empty name") }
            guard targets.insert(to).inserted else {
                throw InvalidProjection(description: "rename: two fields are renamed to '\(to)'")
            }
            if !keep.isEmpty, !keep.contains(from) {
                throw InvalidProjection(description: "rename: '\(from)' is not in keep, so there is nothing to rename")
            }
            if drop.contains(from) {
                throw InvalidProjection(description: "rename: '\(from)' is dropped, so there is nothing to rename")
            }
        }
        self.keep = keep.map { Array($0.utf8) }
        self.drop = drop.map { Array($0.utf8) }
        self.renames = rename.map { (Array($0.from.utf8), Array($0.to.utf8)) }
    }

    /// Appends the projected record to `output`.
    public func project(_ record: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(ExpressionRuntimeError) {
        var cursor = JSONCursor(record)
        let mark = output.count
        var first = true
        // Names written that are rename targets (renamed or not), to refuse
        // a record where a rename would duplicate a field.
        var written = 0
        var collision: String?
        do throws(JSONCursor.Failure) {
            cursor.skipSpace()
            guard cursor.peek == UInt8(ascii: "{") else {
                throw cursor.failure(cursor.atEnd ? "the value is empty, not a JSON object" : "the value is not a JSON object")
            }
            output.append(UInt8(ascii: "{"))
            try cursor.forEachMember(depth: 0) { (cursor: inout JSONCursor, range: Range<Int>, escaped: Bool) throws(JSONCursor.Failure) in
                let valueStart = cursor.position
                try cursor.skipValue(depth: 1)
                var name = Array(UnsafeRawBufferPointer(rebasing: record[range]))
                if escaped {
                    name = []
                    JSONCursor.unescape(UnsafeRawBufferPointer(rebasing: record[range]), into: &name)
                }
                if !keep.isEmpty, !keep.contains(name) { return }
                if drop.contains(name) { return }
                var outputName = name
                if let rename = renames.firstIndex(where: { $0.from == name }) { outputName = renames[rename].to }
                if let target = renames.firstIndex(where: { $0.to == outputName }) {
                    if written & (1 << min(target, 62)) != 0, collision == nil {
                        collision = String(decoding: outputName, as: UTF8.self)
                    }
                    written |= 1 << min(target, 62)
                }
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                if outputName == name {
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[(range.lowerBound - 1)..<(range.upperBound + 1)]))
                    output.append(UInt8(ascii: ":"))
                } else {
                    outputName.withUnsafeBytes { ExpressionValueWriter.appendQuoted($0, to: &output) }
                    output.append(UInt8(ascii: ":"))
                }
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[valueStart..<cursor.position]))
            }
            cursor.skipSpace()
            guard cursor.atEnd else { throw cursor.failure("unexpected text after the object") }
        } catch {
            output.removeSubrange(mark...)
            throw ExpressionRuntimeError(message: error.description)
        }
        if let collision {
            output.removeSubrange(mark...)
            throw ExpressionRuntimeError(message: "renaming would give the record two fields named '\(collision)'")
        }
        output.append(UInt8(ascii: "}"))
    }
}
