/// A column of the records flowing at one point of a planned pipeline:
/// its SQL name and type, and where its value is in the JSON record.
struct SQLPlanColumn: Sendable {
    /// The table or alias that qualifies it (`B` in `B.price`).
    var qualifier: String?
    var name: String
    var type: SQLType
    var timeAttribute: SQLTimeAttribute?
    /// The field path to its value, one segment per JSON key
    /// (`["left", "price"]` after a join).
    var path: [String]
    /// Its value is the record's timestamp (the source stamped it from
    /// this column): `event_time()` gives it in ms without parsing.
    var isRecordTime = false
    /// Held as ms since the epoch (a window's bounds) rather than as the
    /// SQL text of a timestamp.
    var millis = false
    /// It is a window aggregation's window_start or window_end, kept
    /// through projections and renames (Flink's window properties): a
    /// GROUP BY of both bounds of one window is a window aggregation.
    var windowBound: SQLWindowBound?

    /// The column as the analyzer sees it, for typing expressions.
    var analyzed: SQLColumn {
        SQLColumn(name: name, type: type, timeAttribute: timeAttribute, at: .start)
    }

    /// The path in the expression language (`` `left`.price ``).
    var expressionPath: String { SQLPlanColumn.expressionPath(path) }

    /// The path as key_by and the window's `field` read it (dotted), or nil
    /// when a key holds a dot and cannot be written so.
    var dottedPath: String? {
        path.contains { $0.contains(".") || $0.isEmpty } ? nil : path.joined(separator: ".")
    }

    static func expressionPath(_ segments: [String]) -> String {
        segments.map(expressionName).joined(separator: ".")
    }

    /// A field name as the expression language reads it: plain when it is
    /// an identifier and no keyword, else in backquotes.
    static func expressionName(_ name: String) -> String {
        let keywords: Set<String> = [
            "and", "or", "not", "is", "null", "true", "false", "in", "between", "case", "when", "then", "else", "end", "as",
        ]
        let bytes = Array(name.utf8)
        let plain = !bytes.isEmpty && !(bytes[0] >= UInt8(ascii: "0") && bytes[0] <= UInt8(ascii: "9"))
            && bytes.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            }
            && !keywords.contains(name.lowercased())
        return plain ? name : "`" + name.replacing("`", with: "``") + "`"
    }
}

/// A window aggregation's `window_start` or `window_end` in its results
/// and the projections of them: Flink's window properties, which make a
/// GROUP BY of both a cascading window aggregation.
///
/// A column holds one only where the records are still those the window
/// step emitted, stamped with its window_end - 1 (its window_time):
/// projections and filters keep the stamps, a join or another window does
/// not, so a join's columns drop it and a window's outputs get their own.
struct SQLWindowBound: Equatable, Sendable {
    enum Edge: Sendable { case start, end }
    var edge: Edge
    /// Which window aggregation of the job: the count of window steps
    /// planned before its own.
    var window: Int
}
