import Foundation
import TestKit

/// Flink's rows of the supported Nexmark queries over the fixed dataset
/// (examples/nexmark/expected/, written by run_flink_expected.sh), and the
/// comparison of a query's rows from streamhost against them.
///
/// What counts as the same result (`ResultComparison.compare`): the two
/// outputs are equal as multisets of rows, where a row is a JSON object
/// compared field by field by name (column order and nesting into dotted
/// names do not matter), and
/// - numbers compare exactly by decimal value (`908.000` = `908`), so a
///   DECIMAL column must match to the last digit; only a number that looks
///   like a binary float (an exponent, or more than
///   `exactFractionDigitsMax` digits after the point) on either side may
///   instead be within `relativeTolerance` (or `absoluteTolerance` near
///   zero) of the other;
/// - a timestamp may be written as Flink's text (`2015-07-15 00:00:01.250`,
///   or ISO 8601 with a `T` and an optional `Z`: UTC) or as integer
///   milliseconds since the epoch (what streamhost's JSON writes for a
///   timestamp column): both stand for the same instant;
/// - strings, booleans and null compare exactly.
enum NexmarkExpected {
    /// The supported queries (the append-only ones): run_flink_expected.sh
    /// computes Flink's rows for each.
    static let supported = ["q0", "q1", "q2", "q3", "q5", "q7", "q8", "q11", "q12", "q14", "q20", "q21", "q22"]
    /// Those whose rows are committed (see examples/nexmark/expected/README.md): all of them.
    static let queries = supported

    static var directory: String { BuildProducts.packageRoot + "/examples/nexmark/expected" }

    /// Flink's rows of `query`, one JSON object per line (xz-compressed in
    /// the repository).
    static func rows(_ query: String) throws -> [String] {
        let outcome = try ProcessRunner.run("xz", ["-dc", directory + "/\(query).jsonl.xz"], timeoutSeconds: 120)
        guard outcome.status == 0 else {
            throw ResultComparison.Unreadable(description: "xz -dc \(query).jsonl.xz failed: \(outcome.standardError)")
        }
        return outcome.standardOutput.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// The sha256 of the dataset the expectations came from.
    static func datasetSHA256() throws -> String {
        let text = try String(contentsOfFile: directory + "/dataset.sha256", encoding: .utf8)
        return String(text.prefix { !$0.isWhitespace })
    }
}

enum ResultComparison {
    /// Floats (see `NexmarkExpected`) match within this relative difference...
    static let relativeTolerance = 1e-9
    /// ...or this absolute one, for values near zero.
    static let absoluteTolerance = 1e-12
    /// A number with more digits after the point than this is taken for a
    /// binary float; with at most this many it is an exact decimal.
    static let exactFractionDigitsMax = 6
    /// Rows a mismatch lists at most, per side.
    static let shownRowsMax = 5

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    /// How two outputs differ: rows of each side the other lacks.
    struct Mismatch: CustomStringConvertible {
        var missing: [String] = []     // expected, not found in actual
        var unexpected: [String] = []  // actual, not found in expected
        var missingCount = 0
        var unexpectedCount = 0

        var description: String {
            var text = "\(missingCount) expected row(s) missing, \(unexpectedCount) unexpected row(s)"
            if !missing.isEmpty { text += "\nmissing:\n  " + missing.joined(separator: "\n  ") }
            if !unexpected.isEmpty { text += "\nunexpected:\n  " + unexpected.joined(separator: "\n  ") }
            return text
        }
    }

    /// nil when `actual` and `expected` hold the same rows (see
    /// `NexmarkExpected` for the rules); a line that is not a JSON object
    /// throws `Unreadable`.
    static func compare(actual: [String], expected: [String]) throws -> Mismatch? {
        var groups: [String: (actual: [Row], expected: [Row])] = [:]
        for line in actual {
            let row = try Row(line)
            groups[row.exactKey, default: ([], [])].actual.append(row)
        }
        for line in expected {
            let row = try Row(line)
            groups[row.exactKey, default: ([], [])].expected.append(row)
        }
        var mismatch = Mismatch()
        for key in groups.keys.sorted() {
            var (left, right) = groups[key]!
            // Within a group only floats differ: pair them in sorted order.
            left.sort { $0.floats.lexicographicallyPrecedes($1.floats) }
            right.sort { $0.floats.lexicographicallyPrecedes($1.floats) }
            var i = 0, j = 0
            while i < left.count || j < right.count {
                if i < left.count, j < right.count, numbersMatch(left[i], right[j]) {
                    i += 1
                    j += 1
                } else if j < right.count, i >= left.count || right[j].floats.lexicographicallyPrecedes(left[i].floats) {
                    mismatch.missingCount += 1
                    if mismatch.missing.count < shownRowsMax { mismatch.missing.append(right[j].text) }
                    j += 1
                } else {
                    mismatch.unexpectedCount += 1
                    if mismatch.unexpected.count < shownRowsMax { mismatch.unexpected.append(left[i].text) }
                    i += 1
                }
            }
        }
        return mismatch.missingCount + mismatch.unexpectedCount == 0 ? nil : mismatch
    }

    /// Two rows' numbers with a fraction: exact decimals must be equal,
    /// a float on either side within the tolerance.
    static func numbersMatch(_ a: Row, _ b: Row) -> Bool {
        guard a.floats.count == b.floats.count else { return false }
        for index in a.floats.indices {
            if let x = a.decimals[index], let y = b.decimals[index] {
                if x != y { return false }
                continue
            }
            let (x, y) = (a.floats[index], b.floats[index])
            guard x == y || abs(x - y) <= max(absoluteTolerance, relativeTolerance * max(abs(x), abs(y))) else {
                return false
            }
        }
        return true
    }

    /// A row reduced to what must be equal (`exactKey`) and its floats.
    struct Row {
        let text: String
        var exactKey = ""
        /// Numbers with a fraction: their value, and their exact decimal
        /// text unless they look like binary floats.
        var floats: [Double] = []
        var decimals: [String?] = []

        init(_ line: String) throws {
            text = line
            var parser = FlatJSON(Array(line.utf8))
            var fields: [(String, FlatJSON.Value)] = []
            do {
                try parser.object(prefix: "", into: &fields)
                try parser.end()
            } catch {
                throw Unreadable(description: "not a JSON object (\(error)): \(line)")
            }
            for (name, value) in fields.sorted(by: { $0.0 < $1.0 }) {
                exactKey += name + "="
                switch value {
                case .null: exactKey += "null"
                case .literal(let text): exactKey += text
                case .string(let text):
                    if let ms = Self.timestampMilliseconds(text) {
                        exactKey += "n:\(ms)"
                    } else {
                        exactKey += "s:" + text.debugDescription
                    }
                case .number(let text):
                    let exact = Self.exactDecimal(text)
                    if let exact, !exact.contains(".") {
                        exactKey += "n:" + exact
                    } else {
                        exactKey += "f"
                        floats.append(Double(text) ?? .nan)
                        decimals.append(exact)
                    }
                }
                exactKey += "\u{1}"
            }
        }

        /// The number as normalized decimal text (no trailing fraction
        /// zeros, no "-0"), or nil when it looks like a binary float.
        static func exactDecimal(_ text: String) -> String? {
            guard !text.contains(where: { $0 == "e" || $0 == "E" }) else { return nil }
            var negative = text.hasPrefix("-")
            let digits = negative ? text.dropFirst() : Substring(text)
            let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
            var integer = String(parts[0].drop { $0 == "0" })
            var fraction = parts.count > 1 ? String(parts[1]) : ""
            guard fraction.count <= ResultComparison.exactFractionDigitsMax else { return nil }
            while fraction.hasSuffix("0") { fraction.removeLast() }
            if integer.isEmpty { integer = "0" }
            if integer == "0" && fraction.isEmpty { negative = false }
            return (negative ? "-" : "") + integer + (fraction.isEmpty ? "" : "." + fraction)
        }

        /// Milliseconds since the epoch of `YYYY-MM-DD[ T]HH:MM:SS[.fff][Z]`
        /// (UTC), or nil for other text.
        static func timestampMilliseconds(_ text: String) -> Int64? {
            let b = Array(text.utf8)
            func number(_ range: Range<Int>) -> Int64? {
                guard range.upperBound <= b.count else { return nil }
                var value: Int64 = 0
                for i in range {
                    guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                    value = value * 10 + Int64(b[i] - 0x30)
                }
                return value
            }
            guard b.count >= 19, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20 || b[10] == 0x54, b[13] == 0x3A,
                  b[16] == 0x3A, let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                  let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                  (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
            else { return nil }
            var index = 19
            var millis: Int64 = 0
            if index < b.count, b[index] == 0x2E {
                index += 1
                var digits = 0
                while index < b.count, b[index] >= 0x30, b[index] <= 0x39 {
                    if digits < 3 { millis = millis * 10 + Int64(b[index] - 0x30) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 3) { millis *= 10 }
            }
            if index < b.count, b[index] == 0x5A { index += 1 }
            guard index == b.count else { return nil }
            // Days from the civil date (Howard Hinnant's days_from_civil).
            let y = month <= 2 ? year - 1 : year
            let era = y / 400
            let yoe = y - era * 400
            let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146097 + doe - 719468
            return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
        }
    }
}

/// Just enough JSON for rows: objects (nested ones flattened into dotted
/// names), strings with their escapes, numbers kept as written, literals.
/// Arrays are not expected in Nexmark's rows and are refused.
struct FlatJSON {
    enum Value {
        case null
        case literal(String)  // true, false
        case string(String)
        case number(String)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else {
            throw Failure(description: "expected '\(Character(Unicode.Scalar(byte)))' at byte \(index)")
        }
        index += 1
    }

    mutating func end() throws {
        skipSpace()
        guard index == bytes.count else { throw Failure(description: "text after the object at byte \(index)") }
    }

    mutating func object(prefix: String, into fields: inout [(String, Value)]) throws {
        try expect(0x7B)
        skipSpace()
        if index < bytes.count, bytes[index] == 0x7D {
            index += 1
            return
        }
        while true {
            skipSpace()
            let name = prefix + (try string())
            try expect(0x3A)
            skipSpace()
            guard index < bytes.count else { throw Failure(description: "a value is missing at the end") }
            switch bytes[index] {
            case 0x7B: try object(prefix: name + ".", into: &fields)
            case 0x22: fields.append((name, .string(try string())))
            case 0x5B: throw Failure(description: "arrays are not expected in a row (at byte \(index))")
            default: fields.append((name, try scalar()))
            }
            skipSpace()
            guard index < bytes.count else { throw Failure(description: "the object is not closed") }
            if bytes[index] == 0x2C {
                index += 1
                continue
            }
            try expect(0x7D)
            return
        }
    }

    mutating func string() throws -> String {
        try expect(0x22)
        var out: [UInt8] = []
        while index < bytes.count, bytes[index] != 0x22 {
            if bytes[index] == 0x5C, index + 1 < bytes.count {
                index += 1
                switch bytes[index] {
                case 0x6E: out.append(0x0A)
                case 0x74: out.append(0x09)
                case 0x72: out.append(0x0D)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x75:
                    guard index + 4 < bytes.count,
                          let code = UInt32(String(decoding: bytes[(index + 1)...(index + 4)], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code)
                    else { throw Failure(description: "bad \\u escape at byte \(index)") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    index += 4
                default: out.append(bytes[index])
                }
            } else {
                out.append(bytes[index])
            }
            index += 1
        }
        try expect(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    mutating func scalar() throws -> Value {
        let start = index
        while index < bytes.count, ![0x2C, 0x7D, 0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        switch text {
        case "null": return .null
        case "true", "false": return .literal(text)
        default:
            guard Double(text) != nil else { throw Failure(description: "'\(text)' is not a JSON value (byte \(start))") }
            return .number(text)
        }
    }
}
