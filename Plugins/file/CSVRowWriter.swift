import StreamhostKit

/// Turns JSON objects into CSV rows (RFC 4180 quoting) for the sink.
///
/// Each column is a top-level member name. A string is written as its text,
/// a number or boolean as its literal, null or a missing member as an empty
/// field, an object or array as compact JSON. A field holding the
/// delimiter, a quote or a line break is quoted with `"` doubled; an empty
/// string is written `""` so that it differs from null. Rows end with LF.
///
/// # Ownership
/// Owns its buffers; `row` is valid until the next `encode`.
struct CSVRowWriter {
    /// The columns' names as UTF-8; `nil` until set from the config or the
    /// first record.
    private(set) var columns: [[UInt8]]?
    /// The last encoded row, with its line end.
    private(set) var row: [UInt8] = []
    private var scratch: [UInt8] = []

    init(columns: [String]?) {
        self.columns = columns.map { $0.map { Array($0.utf8) } }
    }

    /// Takes the columns from the member names of `object`, in order, each
    /// once.
    mutating func adoptColumns(from object: JSONView) {
        var names: [[UInt8]] = []
        object.forEachMember { name, _ in
            var decoded: [UInt8] = []
            name.appendStringContent(to: &decoded)
            if !names.contains(decoded) { names.append(decoded) }
        }
        columns = names
    }

    /// The header line: the column names, quoted as needed.
    func headerLine() -> [UInt8] {
        var line: [UInt8] = []
        for (index, name) in (columns ?? []).enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            name.withUnsafeBytes { CSVRowWriter.appendField($0, to: &line) }
        }
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// Encodes `object` (a JSON object) into `row`.
    mutating func encode(_ object: JSONView) {
        precondition(columns != nil, "CSVRowWriter.encode before the columns are known")
        row.removeAll(keepingCapacity: true)
        for (index, column) in columns!.enumerated() {
            if index > 0 { row.append(UInt8(ascii: ",")) }
            let value = column.withUnsafeBytes { object.member(utf8: $0) }
            guard let value else { continue }
            switch value.kind {
            case .null:
                break
            case .number, .bool:
                row.append(contentsOf: value.bytes)
            case .string:
                scratch.removeAll(keepingCapacity: true)
                value.appendStringContent(to: &scratch)
                if scratch.isEmpty {
                    row.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\"")])
                } else {
                    scratch.withUnsafeBytes { CSVRowWriter.appendField($0, to: &row) }
                }
            case .object, .array:
                scratch.removeAll(keepingCapacity: true)
                value.appendCompact(to: &scratch)
                scratch.withUnsafeBytes { CSVRowWriter.appendField($0, to: &row) }
            }
        }
        row.append(UInt8(ascii: "\n"))
    }

    /// Appends text as one CSV field, quoted if it holds a comma, a quote
    /// or a line break.
    static func appendField(_ text: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let needsQuotes = text.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
        }
        guard needsQuotes else {
            output.append(contentsOf: text)
            return
        }
        output.append(UInt8(ascii: "\""))
        for byte in text {
            if byte == UInt8(ascii: "\"") { output.append(byte) }
            output.append(byte)
        }
        output.append(UInt8(ascii: "\""))
    }
}
