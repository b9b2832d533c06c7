import StreamhostKit

/// The field that holds the dedup key (`key_field`, a dotted path such as
/// "customer.id", parsed by JSONText's `JSONFieldPath` like every field
/// path), and the key read from a JSON value.
///
/// The key bytes are what `key_by` makes of the same field, so that
/// `key_by: customer.id` before `dedup {key_field: customer.id}` puts each
/// dedup key in the key group of the instance that receives it: a string's
/// decoded content (escapes resolved, no quotes), and the text of any other
/// value as it stands in the record (a number's literal, `true`, an
/// object's or array's JSON).
///
/// # Thread safety
/// Immutable after `init`.
struct KeyField: CustomStringConvertible {
    let path: JSONFieldPath
    /// The UTF-8 bytes of each key, outermost first, made once for the walk.
    let segments: [[UInt8]]

    var description: String { path.description }

    /// Parses `text`; a path that is not non-empty keys separated by single
    /// dots is refused in the words every field path is refused in.
    init(_ text: String, configKey: String) throws {
        do throws(JSONFieldPathError) {
            path = try JSONFieldPath(text)
        } catch {
            throw PluginError.failed("dedup: " + error.described(at: configKey))
        }
        segments = path.segmentUTF8
    }

    /// Writes the key that `value` holds at this path into `key` (replacing
    /// its contents) and returns nil, or returns why there is none: the
    /// reason for the dead-letter record.
    func extractKey(from value: UnsafeRawBufferPointer?, into key: inout [UInt8]) -> String? {
        guard let value else { return "dedup: key_field '\(description)': the record's value is null" }
        var field: JSONView
        do {
            field = try JSONView(parsing: value)
        } catch {
            return "dedup: key_field '\(description)': the value is not valid JSON (\(error))"
        }
        for segment in segments {
            guard field.kind == .object else {
                return "dedup: key_field '\(description)' is missing: the value is not a JSON object with that path"
            }
            let next = segment.withUnsafeBytes { field.member(utf8: $0) }
            guard let next else { return "dedup: key_field '\(description)' is missing from the value" }
            field = next
        }
        key.removeAll(keepingCapacity: true)
        switch field.kind {
        case .null:
            return "dedup: key_field '\(description)' is null"
        case .string:
            field.appendStringContent(to: &key)
        default:
            key.append(contentsOf: field.bytes)
        }
        return nil
    }
}
