import StreamhostKit

/// Turns a parsed CSV row into the JSON object that becomes the record's
/// value: `{"name":value,...}` in column order.
///
/// Names come from the header row, or are c0, c1, ... without one (and for
/// fields past the header's; a row with fewer fields has fewer members).
/// With `inferTypes`, a field that is a JSON number (`-1.5e3`, not `+1`,
/// `01` or `NaN`) or exactly `true`/`false` is written as such, an empty
/// unquoted field as null, anything else as a string; an empty quoted field
/// (`""`) stays an empty string. Without it every field is a string.
///
/// # Ownership
/// Owns the encoded names; writes into a buffer the caller owns.
struct CSVRowEncoder {
    let inferTypes: Bool
    /// `"name":` for each column, JSON-escaped once.
    private var names: [[UInt8]] = []

    init(inferTypes: Bool) {
        self.inferTypes = inferTypes
    }

    /// Uses the header row's names; an empty name becomes c<index>.
    mutating func setNames(_ header: [String]) {
        names = header.enumerated().map { index, name in
            CSVRowEncoder.encodeName(name.isEmpty ? "c\(index)" : name)
        }
    }

    /// Writes the JSON object of the parser's last row into `output`
    /// (replacing its contents).
    mutating func encode(_ row: CSVRecordParser, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.append(UInt8(ascii: "{"))
        while names.count < row.fieldCount { names.append(CSVRowEncoder.encodeName("c\(names.count)")) }
        for index in 0..<row.fieldCount {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: names[index])
            let quoted = row.fieldQuoted[index]
            row.withField(index) { field in appendValue(field, quoted: quoted, to: &output) }
        }
        output.append(UInt8(ascii: "}"))
    }

    private func appendValue(_ field: UnsafeRawBufferPointer, quoted: Bool, to output: inout [UInt8]) {
        if field.isEmpty {
            if inferTypes && !quoted {
                output.append(contentsOf: CSVRowEncoder.null)
            } else {
                output.append(contentsOf: CSVRowEncoder.emptyString)
            }
            return
        }
        if inferTypes {
            if JSONView.isNumber(field) || field.elementsEqual(CSVRowEncoder.trueText)
                || field.elementsEqual(CSVRowEncoder.falseText)
            {
                output.append(contentsOf: field)
                return
            }
        }
        JSONView.appendQuoted(field, to: &output)
    }

    private static func encodeName(_ name: String) -> [UInt8] {
        var encoded: [UInt8] = []
        var name = name
        name.withUTF8 { JSONView.appendQuoted(UnsafeRawBufferPointer($0), to: &encoded) }
        encoded.append(UInt8(ascii: ":"))
        return encoded
    }

    private static let null = Array("null".utf8)
    private static let emptyString = Array("\"\"".utf8)
    private static let trueText = Array("true".utf8)
    private static let falseText = Array("false".utf8)
}
