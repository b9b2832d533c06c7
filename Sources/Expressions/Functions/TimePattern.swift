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
