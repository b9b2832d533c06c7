/// The one rule for a point in time written as text, shared by every place
/// that reads one: the `file` source's `timestamp_field`, `produce
/// --timestamp-field` and `consume --from-time`; the C plugins (the log
/// source's `timestamp_field`) read it with `plugin_time_text_ms`
/// (Plugins/common), which `PluginTimeTextTests` holds to this one.
///
/// The rule (`TimeText.rule`): either an integer, milliseconds since the
/// Unix epoch (`1767225600000`, `-5`), or an ISO 8601 / RFC 3339 date-time
/// `YYYY-MM-DDTHH:MM:SS`, optionally with a fraction of a second (any
/// number of digits, truncated to milliseconds) and a zone, `Z` or an
/// offset `+HH:MM` / `-HH:MM` (`+HHMM` too). The `T` may be a space or a
/// lower-case `t`. A date-time without a zone is UTC, so the same text
/// means the same instant on every machine.
///
/// Dependency-free (no Foundation): the Swift plugin kit links it too.
public enum TimeText {
    /// The rule, for error messages and docs.
    public static let rule =
        "an integer of milliseconds since the Unix epoch, or an ISO 8601 / RFC 3339 date-time such as "
        + "2026-01-01T00:00:00Z, 2026-01-01T00:00:00.250+02:00 or 2026-01-01T00:00:00 (no zone: UTC)"

    /// Most fraction digits read; more are allowed and ignored past ms.
    static let fractionDigitsMax = 64

    /// The instant `text` names, in milliseconds since the epoch, or `nil`
    /// if it does not follow `rule` (or the instant does not fit an Int64).
    public static func epochMilliseconds<Bytes: Collection>(_ text: Bytes) -> Int64? where Bytes.Element == UInt8 {
        Array(text).withUnsafeBytes { epochMilliseconds($0) }
    }

    /// `epochMilliseconds` of bytes in memory, without copying them (the
    /// JSON decoder reads a timestamp per row this way).
    public static func epochMilliseconds(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        if let integer = integer(bytes) { return integer }
        return dateTime(bytes)
    }

    /// `epochMilliseconds` of a string.
    public static func epochMilliseconds(_ text: String) -> Int64? {
        epochMilliseconds(Array(text.utf8))
    }

    /// An optional minus and 1...19 digits.
    private static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < bytes.count, bytes.count - index <= 19 else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            guard let digit = digit(bytes[index]) else { return nil }
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = scaled.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return negative ? -value : value
    }

    private static func dateTime(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var cursor = Cursor(bytes: bytes)
        guard let year = cursor.digits(4), cursor.skip("-"), let month = cursor.digits(2), cursor.skip("-"),
              let day = cursor.digits(2)
        else { return nil }
        guard cursor.skip("T") || cursor.skip("t") || cursor.skip(" ") else { return nil }
        guard let hour = cursor.digits(2), cursor.skip(":"), let minute = cursor.digits(2), cursor.skip(":"),
              let second = cursor.digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour <= 23, minute <= 59,
              second <= 60  // a leap second reads as the next second's start
        else { return nil }
        var millisecond: Int64 = 0
        if cursor.skip(".") || cursor.skip(",") {
            var count = 0
            while let digit = cursor.peekDigit() {
                guard count < fractionDigitsMax else { return nil }
                if count < 3 { millisecond = millisecond * 10 + Int64(digit) }
                count += 1
                cursor.index += 1
            }
            guard count > 0 else { return nil }
            var scale = count
            while scale < 3 {
                millisecond *= 10
                scale += 1
            }
        }
        var offsetMinutes: Int64 = 0
        if cursor.skip("Z") || cursor.skip("z") {
        } else if let sign = cursor.sign() {
            guard let hours = cursor.digits(2) else { return nil }
            _ = cursor.skip(":")
            guard let minutes = cursor.digits(2), hours <= 23, minutes <= 59 else { return nil }
            offsetMinutes = sign * (hours * 60 + minutes)
        }
        guard cursor.atEnd else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + millisecond
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    package static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to the date (proleptic Gregorian; Howard
    /// Hinnant's days_from_civil).
    package static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01, the inverse of `daysFromCivil`
    /// (Howard Hinnant's civil_from_days).
    package static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        func peekDigit() -> Int? { index < bytes.count ? TimeText.digit(bytes[index]) : nil }

        mutating func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for offset in 0 ..< count {
                guard let digit = TimeText.digit(bytes[index + offset]) else { return nil }
                value = value * 10 + Int64(digit)
            }
            index += count
            return value
        }

        mutating func sign() -> Int64? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }
    }
}
