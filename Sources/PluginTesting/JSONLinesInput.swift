import Core
import TimeText

/// Records from JSON-lines text, the input of `streamhost plugin test`: as
/// for `streamhost produce`, each non-empty line is one record whose value
/// is the line, with an optional key field and timestamp field. Every line
/// must be JSON: the first that is not stops the read with its file and
/// line, so that a mistyped input never reaches the plugin.
public struct JSONLinesInput: Sendable {
    /// A JSON field (dotted path) whose text becomes the record key; a
    /// string gives its text, any other value its JSON text.
    public var keyField: String?
    /// A JSON field holding the timestamp (ms since the epoch, or a time
    /// as TimeText reads it); without one, timestamps are 0.
    public var timestampField: String?
    /// The most records one input may hold: a bound on the memory a test
    /// run takes.
    public static let recordsMax = 10_000_000

    public init(keyField: String? = nil, timestampField: String? = nil) {
        self.keyField = keyField
        self.timestampField = timestampField
    }

    /// Reads `text` (the contents of `file`, named in messages).
    public func records(_ text: String, file: String) throws(PluginTestError) -> [TestRecord] {
        var records: [TestRecord] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            guard !trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) else { continue }
            let value: JSONValue
            do {
                value = try JSONValue.parse(String(trimmed))
            } catch {
                throw .input("\(file):\(lineNumber): not a JSON value (\(error)); the input is JSON lines: one JSON "
                    + "value per line, the record's value")
            }
            guard records.count < Self.recordsMax else {
                throw .input("\(file):\(lineNumber): more than \(Self.recordsMax) records; split the input")
            }
            var timestamp: Int64 = 0
            if let timestampField {
                switch value.value(atPath: timestampField) {
                case .int(let milliseconds)?: timestamp = milliseconds
                case .string(let text)? where TimeText.epochMilliseconds(text) != nil:
                    timestamp = TimeText.epochMilliseconds(text)!
                default:
                    throw .input("\(file):\(lineNumber): field '\(timestampField)' is missing or not a time: "
                        + "use \(TimeText.rule)")
                }
            }
            var key: [UInt8]?
            if let keyField {
                switch value.value(atPath: keyField) {
                case .string(let text)?: key = Array(text.utf8)
                case .null?: throw .input("\(file):\(lineNumber): key field '\(keyField)' is null")
                case let other?: key = Array(other.serialized().utf8)
                case nil: throw .input("\(file):\(lineNumber): key field '\(keyField)' is missing")
                }
            }
            records.append(TestRecord(timestamp: timestamp, key: key, value: Array(trimmed.utf8)))
        }
        return records
    }
}
