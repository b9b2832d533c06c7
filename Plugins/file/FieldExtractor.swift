import StreamhostKit

/// Takes a record's timestamp and key from fields of its JSON value, for
/// the source's `timestamp_field` and `key_field`.
///
/// The timestamp field is a number of epoch milliseconds (a fraction is
/// dropped) or a string following `TimeText.rule` (`JSONView.epochMilliseconds`).
/// Every value is checked as JSON, also with no field configured: a jsonl
/// line that is not JSON is rejected, never passed on. Reasons name no
/// place: the source adds the file and line. The key is the field's text: a string's decoded content, a
/// number's or boolean's literal, an object's or array's compact JSON; a
/// missing or null key field gives a null key.
///
/// # Ownership
/// Owns the bytes of the last key; they stay valid until the next `extract`.
struct FieldExtractor {
    enum Outcome {
        /// The fields were read: the timestamp, if a timestamp field is
        /// configured, and whether there is a key (then in `key`).
        case fields(timestamp: Int64?, hasKey: Bool)
        /// The record cannot be read: the reason for the dead-letter record.
        case rejected(String)
    }

    let timestampField: String?
    let keyField: String?
    private(set) var key: [UInt8] = []

    init(timestampField: String?, keyField: String?) {
        self.timestampField = timestampField
        self.keyField = keyField
    }

    /// Whether no field is configured.
    var isEmpty: Bool { timestampField == nil && keyField == nil }

    mutating func extract(_ value: UnsafeRawBufferPointer) -> Outcome {
        let document: JSONView
        do {
            document = try JSONView(parsing: value)
        } catch {
            return .rejected("the value is not valid JSON (\(error))")
        }
        var timestamp: Int64? = nil
        if let timestampField {
            guard let field = document.member(timestampField), field.kind != .null else {
                return .rejected("timestamp field '\(timestampField)' is missing")
            }
            guard let milliseconds = field.epochMilliseconds else {
                return .rejected("timestamp field '\(timestampField)' is not a time: use \(JSONView.timeRule)")
            }
            timestamp = milliseconds
        }
        var hasKey = false
        if let keyField, let field = document.member(keyField), field.kind != .null {
            key.removeAll(keepingCapacity: true)
            if field.kind == .string {
                field.appendStringContent(to: &key)
            } else {
                field.appendCompact(to: &key)
            }
            hasKey = true
        }
        return .fields(timestamp: timestamp, hasKey: hasKey)
    }
}
