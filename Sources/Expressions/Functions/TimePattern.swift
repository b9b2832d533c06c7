import TimeText

/// A time format such as `yyyy-MM-dd HH:mm:ss`, for `format_time` and
/// `parse_time`; times are ms since the Unix epoch, in UTC.
///
/// Letters: `yyyy` year, `MM` month, `dd` day, `HH` hour (00-23), `mm`
/// minute, `ss` second, `SSS` millisecond; text in single quotes is copied
/// (`'T'`); other characters that are not letters are copied as they are.
/// The same letters as Java's DateTimeFormatter, which Flink's
/// DATE_FORMAT uses.
struct TimePattern: Sendable {
    enum Part: Sendable, Equatable {
        case year, month, day, hour, minute, second, millisecond
        case literal([UInt8])

        var width: Int {
            switch self {
            case .year: 4
            case .millisecond: 3
            case .literal(let bytes): bytes.count
            default: 2
            }
        }
    }

    let text: String
    let parts: [Part]

    static let iso8601 = try! TimePattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", argument: 0)

    init(_ text: String, argument: Int) throws(ExpressionFunctionError) {
        self.text = text
        let bytes = Array(text.utf8)
        var parts: [Part] = []
        var index = 0
        func literal(_ piece: [UInt8]) {
            if case .literal(let previous)? = parts.last {
                parts[parts.count - 1] = .literal(previous + piece)
            } else {
                parts.append(.literal(piece))
            }
        }
        let letters: [(String, Part)] = [
            ("yyyy", .year), ("MM", .month), ("dd", .day), ("HH", .hour), ("mm", .minute), ("ss", .second),
            ("SSS", .millisecond),
        ]
        outer: while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "'") {
                guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "'")) else {
                    throw ExpressionFunctionError("time pattern '\(text)': a quote is not closed", argument: argument)
                }
                literal(Array(bytes[(index + 1)..<close]))
                index = close + 1
                continue
            }
            let isLetter = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            guard isLetter else {
                literal([byte])
                index += 1
                continue
            }
            for (letter, part) in letters where bytes[index...].starts(with: letter.utf8) {
                parts.append(part)
                index += letter.utf8.count
                continue outer
            }
            throw ExpressionFunctionError(
                "time pattern '\(text)': unknown letters at '\(String(decoding: bytes[index...].prefix(4), as: UTF8.self))' "
                    + "(use yyyy MM dd HH mm ss SSS, and quote text: 'T')", argument: argument)
        }
        self.parts = parts
    }

    func format(_ milliseconds: Int64) -> String {
        let (days, dayMilliseconds) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        var output: [UInt8] = []
        func put(_ value: Int64, _ width: Int) {
            var digits: [UInt8] = []
            var magnitude = value.magnitude
            repeat {
                digits.append(UInt8(magnitude % 10) + 0x30)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { output.append(UInt8(ascii: "-")) }
            for _ in digits.count..<max(width, digits.count) { output.append(0x30) }
            output.append(contentsOf: digits.reversed())
        }
        for part in parts {
            switch part {
            case .year: put(year, 4)
            case .month: put(month, 2)
            case .day: put(day, 2)
            case .hour: put(dayMilliseconds / 3_600_000, 2)
            case .minute: put(dayMilliseconds / 60_000 % 60, 2)
            case .second: put(dayMilliseconds / 1000 % 60, 2)
            case .millisecond: put(dayMilliseconds % 1000, 3)
            case .literal(let bytes): output.append(contentsOf: bytes)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Reads text written in this pattern (fixed-width numbers) back into
    /// ms since the epoch; fields the pattern lacks are the epoch's.
    func parse(_ text: String) throws(ExpressionFunctionError) -> Int64 {
        let bytes = Array(text.utf8)
        var index = 0
        var year: Int64 = 1970, month: Int64 = 1, day: Int64 = 1
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, millisecond: Int64 = 0
        func failure(_ why: String) -> ExpressionFunctionError {
            ExpressionFunctionError("'\(text)' does not match the time pattern '\(self.text)': \(why)", argument: 0)
        }
        for part in parts {
            if case .literal(let expected) = part {
                guard bytes[index...].starts(with: expected) else {
                    throw failure("expected '\(String(decoding: expected, as: UTF8.self))' at character \(index + 1)")
                }
                index += expected.count
                continue
            }
            let width = part.width
            guard index + width <= bytes.count, bytes[index..<(index + width)].allSatisfy(isDigit) else {
                throw failure("expected \(width) digits at character \(index + 1)")
            }
            let value = bytes[index..<(index + width)].reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
            index += width
            switch part {
            case .year: year = value
            case .month: month = value
            case .day: day = value
            case .hour: hour = value
            case .minute: minute = value
            case .second: second = value
            case .millisecond: millisecond = value
            case .literal: break
            }
        }
        guard index == bytes.count else { throw failure("unexpected text after character \(index)") }
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
              second < 60 else {
            throw failure("no such date or time")
        }
        let days = Self.days(fromCivil: year, month, day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond
    }

    // Civil-calendar conversions (proleptic Gregorian): TimeText's, the
    // one copy of that arithmetic.

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        TimeText.civil(fromDays: days)
    }

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        TimeText.daysFromCivil(year: year, month: month, day: day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        TimeText.daysIn(month: month, year: year)
    }
}

func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
    var quotient = value / divisor
    var remainder = value % divisor
    if remainder < 0 {
        quotient -= 1
        remainder += divisor
    }
    return (quotient, remainder)
}

/// Flink SQL's text of a TIMESTAMP(3), the form its JSON format writes and
/// reads (`json.timestamp-format.standard` = `SQL`): `yyyy-MM-dd
/// HH:mm:ss`, then `.` and the ms without their trailing zeros (none when
/// they are 0). For `timestamp_text` and `timestamp_ms`, which the SQL
/// planner uses wherever a timestamp column is written out or read back:
/// one pass over bytes, no pattern, no intermediate strings.
enum SQLTimestampText {
    /// The longest text of a four-digit year: `yyyy-MM-dd HH:mm:ss.SSS`.
    static let lengthMax = 23

    /// Appends the text of `milliseconds` (since the epoch, UTC) to `output`.
    static func append(_ milliseconds: Int64, to output: inout [UInt8]) {
        let (days, dayMilliseconds) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = TimePattern.civil(fromDays: days)
        guard (0...9999).contains(year) else {
            // Years beyond four digits: the general formatter's widths.
            output.append(contentsOf: TimePattern.sqlSeconds.format(milliseconds).utf8)
            appendFraction(dayMilliseconds % 1000, to: &output)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: lengthMax) { buffer in
            func two(_ value: Int64, at index: Int) {
                buffer[index] = UInt8(truncatingIfNeeded: value / 10) + 0x30
                buffer[index + 1] = UInt8(truncatingIfNeeded: value % 10) + 0x30
            }
            two(year / 100, at: 0)
            two(year % 100, at: 2)
            buffer[4] = UInt8(ascii: "-")
            two(month, at: 5)
            buffer[7] = UInt8(ascii: "-")
            two(day, at: 8)
            buffer[10] = UInt8(ascii: " ")
            let seconds = dayMilliseconds / 1000
            two(seconds / 3600, at: 11)
            buffer[13] = UInt8(ascii: ":")
            two(seconds / 60 % 60, at: 14)
            buffer[16] = UInt8(ascii: ":")
            two(seconds % 60, at: 17)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<19]))
        }
        appendFraction(dayMilliseconds % 1000, to: &output)
    }

    /// `.` and `fraction` (0...999 ms) without trailing zeros; nothing for 0.
    private static func appendFraction(_ fraction: Int64, to output: inout [UInt8]) {
        guard fraction != 0 else { return }
        var digits = [fraction / 100, fraction / 10 % 10, fraction % 10]
        while digits.last == 0 { digits.removeLast() }
        output.append(UInt8(ascii: "."))
        for digit in digits { output.append(UInt8(truncatingIfNeeded: digit) + 0x30) }
    }

    static func text(_ milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lengthMax)
        append(milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The ms of `yyyy-MM-dd HH:mm:ss` with an optional `.` and one or
    /// more fraction digits (past the third dropped, as Flink truncates to
    /// TIMESTAMP(3)); nil for anything else or a date that does not exist.
    static func milliseconds(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard text.count >= 19 else { return nil }
        func number(_ from: Int, _ width: Int) -> Int64? {
            var value: Int64 = 0
            for index in from..<(from + width) {
                let digit = text[index] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"), text[10] == UInt8(ascii: " "),
              text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), day >= 1, day <= TimePattern.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction: Int64 = 0
        if text.count > 19 {
            guard text[19] == UInt8(ascii: "."), text.count > 20 else { return nil }
            var scale: Int64 = 100
            for index in 20..<text.count {
                let digit = text[index] &- 0x30
                guard digit < 10 else { return nil }
                fraction += Int64(digit) * scale
                scale /= 10
            }
        }
        let days = TimePattern.days(fromCivil: year, month, day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + fraction
    }

    /// What `timestamp_ms` says of text it cannot read.
    static func failure(_ text: String) -> ExpressionFunctionError {
        ExpressionFunctionError("'\(text)' is not a SQL timestamp (yyyy-MM-dd HH:mm:ss with an optional .fraction)", argument: 0)
    }
}

extension TimePattern {
    /// `yyyy-MM-dd HH:mm:ss`, for years SQLTimestampText's fast path does not write.
    static let sqlSeconds = try! TimePattern("yyyy-MM-dd HH:mm:ss", argument: 0)
}
