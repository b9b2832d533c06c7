import Columns
import JSONText
import TimeText

/// Decimal128 values as JSON number text, both ways: exact, in plain
/// notation (no exponent), with exactly `scale` decimals when written.
enum DecimalText {
    /// 10^18, the largest power of ten in a UInt64 chunk.
    private static let chunk: UInt64 = 1_000_000_000_000_000_000

    /// Appends the text of `value` × 10^-scale.
    static func append(_ value: Decimal128, scale: Int, to output: inout [UInt8]) {
        if let small = value.int64Value, scale <= 18 {
            JSONDecimalText.append(small, scale: scale, to: &output)
            return
        }
        // The magnitude as two UInt64 halves, written in chunks of 18 digits.
        let negative = value.high < 0
        var high = UInt64(bitPattern: value.high)
        var low = value.low
        if negative {
            low = ~low &+ 1
            high = ~high &+ (low == 0 ? 1 : 0)
        }
        var digits: [UInt8] = []
        repeat {
            let (quotientHigh, remainderHigh) = high.quotientAndRemainder(dividingBy: chunk)
            let (quotientLow, remainder) = chunk.dividingFullWidth((remainderHigh, low))
            high = quotientHigh
            low = quotientLow
            var part = remainder
            for _ in 0..<18 {
                digits.append(UInt8(part % 10) + 0x30)
                part /= 10
            }
        } while high != 0 || low != 0
        while digits.count > scale + 1, digits.last == 0x30 { digits.removeLast() }
        while digits.count <= scale { digits.append(0x30) }
        if negative { output.append(UInt8(ascii: "-")) }
        for index in stride(from: digits.count - 1, through: 0, by: -1) {
            if index == scale - 1 { output.append(UInt8(ascii: ".")) }
            output.append(digits[index])
        }
    }

    /// Why a number does not fit a decimal(precision, scale).
    enum Problem: Error { case exponent, tooManyDigits }

    /// The unscaled value of the JSON number text `text` (already known to
    /// be a valid number) as decimal(precision, scale), rounded half up
    /// (away from zero) to `scale` decimals as Flink's JSON format does.
    static func parse(_ text: UnsafeRawBufferPointer, precision: Int, scale: Int) throws(Problem) -> Decimal128 {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var integerDigits = 0
        var fractionDigits = 0
        var inFraction = false
        var significant = false
        /// The first decimal past the scale: 5 or more rounds up.
        var firstDropped: UInt64 = 0
        func push(_ digit: UInt64) {
            // value = value * 10 + digit, on 128 bits (the precision bound
            // keeps it below 10^38 < 2^127).
            let (lowProductHigh, lowProduct) = low.multipliedFullWidth(by: 10)
            high = high &* 10 &+ lowProductHigh
            let (sum, overflow) = lowProduct.addingReportingOverflow(digit)
            low = sum
            if overflow { high &+= 1 }
        }
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                inFraction = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                throw .exponent
            } else {
                let digit = UInt64(byte - 0x30)
                if inFraction {
                    fractionDigits += 1
                    if fractionDigits > scale {
                        if fractionDigits == scale + 1 { firstDropped = digit }
                        index += 1
                        continue
                    }
                } else {
                    if digit != 0 { significant = true }
                    if significant { integerDigits += 1 }
                }
                if integerDigits + scale > precision { throw .tooManyDigits }
                push(digit)
            }
            index += 1
        }
        for _ in min(fractionDigits, scale)..<scale { push(0) }
        if firstDropped >= 5 {
            let (sum, overflow) = low.addingReportingOverflow(1)
            low = sum
            if overflow { high &+= 1 }
            // 9.995 as decimal(3, 2) rounds to 10.00: one digit more.
            var limitHigh: UInt64 = 0
            var limitLow: UInt64 = 1
            for _ in 0..<precision {
                let (productHigh, product) = limitLow.multipliedFullWidth(by: 10)
                limitHigh = limitHigh &* 10 &+ productHigh
                limitLow = product
            }
            if high > limitHigh || (high == limitHigh && low >= limitLow) { throw .tooManyDigits }
        }
        if negative {
            low = ~low &+ 1
            high = ~high &+ (low == 0 ? 1 : 0)
        }
        return Decimal128(low: low, high: Int64(bitPattern: high))
    }
}

/// Base64 (RFC 4648, with padding), for binary columns in JSON text.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func append(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] as [UInt32] { output.append(alphabet[Int((group >> shift) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let group = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            output.append(alphabet[Int((group >> 18) & 63)])
            output.append(alphabet[Int((group >> 12) & 63)])
            output.append(rest == 2 ? alphabet[Int((group >> 6) & 63)] : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
    }

    /// The bytes of base64 text, or nil when it is not base64.
    static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var index = 0
        while index < text.count {
            var group: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let byte = text[index + offset]
                if byte == UInt8(ascii: "="), index + 4 == text.count, offset >= 2 {
                    padding += 1
                    group <<= 6
                    continue
                }
                guard padding == 0 else { return nil }
                let value = values[Int(byte)]
                guard value != 0xff else { return nil }
                group = group << 6 | UInt32(value)
            }
            output.append(UInt8(group >> 16))
            if padding < 2 { output.append(UInt8((group >> 8) & 0xff)) }
            if padding < 1 { output.append(UInt8(group & 0xff)) }
            index += 4
        }
        return output
    }
}

/// Days since the Unix epoch as "YYYY-MM-DD" and back, on TimeText's
/// civil-calendar arithmetic (proleptic Gregorian).
enum CivilDate {
    static func append(days: Int32, to output: inout [UInt8]) {
        let (year, month, day) = TimeText.civil(fromDays: Int64(days))
        if year < 0 { output.append(UInt8(ascii: "-")) }
        let digits = String(year.magnitude)
        output.append(contentsOf: String(repeating: "0", count: max(0, 4 - digits.count)).utf8)
        output.append(contentsOf: digits.utf8)
        output.append(UInt8(ascii: "-"))
        output.append(UInt8(month / 10) + 0x30)
        output.append(UInt8(month % 10) + 0x30)
        output.append(UInt8(ascii: "-"))
        output.append(UInt8(day / 10) + 0x30)
        output.append(UInt8(day % 10) + 0x30)
    }

    /// The days of "YYYY-MM-DD" (four-digit year), or nil.
    static func days(_ text: UnsafeRawBufferPointer) -> Int32? {
        guard text.count == 10, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = text[index] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= TimeText.daysIn(month: month, year: year)
        else { return nil }
        return Int32(TimeText.daysFromCivil(year: year, month: month, day: day))
    }
}
