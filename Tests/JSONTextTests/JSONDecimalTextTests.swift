import JSONText
import Testing

/// The one exact-decimal reader and writer, with the two option sets its
/// users pass: the window's sums (scale 9, exponents folded) and the
/// expressions' decimals (scale 18, exponents refused).
@Suite struct JSONDecimalTextTests {
    static func parse(_ text: String, scaleMax: Int, _ exponent: JSONDecimalText.Exponent) -> [Int64]? {
        JSONDecimalText.parse(text, scaleMax: scaleMax, exponent: exponent).map { [$0.units, Int64($0.scale)] }
    }

    @Test(
        "both users read plain decimals alike, normalized",
        arguments: [
            ("7", [7, 0]), ("-12.340", [-1234, 2]), ("0.05", [5, 2]), ("-0", [0, 0]), ("0.000", [0, 0]),
            ("100", [100, 0]), ("1.", [1, 0]), ("007.50", [75, 1]),
            ("999999999999999999", [999_999_999_999_999_999, 0]),
            ("-999999999.999999999", [-999_999_999_999_999_999, 9]),
        ] as [(String, [Int64])])
    func plain(text: String, expected: [Int64]) {
        #expect(Self.parse(text, scaleMax: 9, .fold) == expected)
        #expect(Self.parse(text, scaleMax: 18, .refuse) == expected)
    }

    @Test(
        "text that is not a decimal number is nil for both",
        arguments: ["", "-", ".5", "-.5", "1.2.3", "--1", "+1", "1a", "NaN", " 1", "1 ", "1e", "1e+", "1ee2"])
    func notNumbers(text: String) {
        #expect(Self.parse(text, scaleMax: 9, .fold) == nil)
        #expect(Self.parse(text, scaleMax: 18, .refuse) == nil)
    }

    @Test func integersInBulkAreTheirTextOneAfterAnother() {
        var values: [Int64] = [0, 7, -7, 10, 99, 100, 105, 1005, -1_000_000, .max, .min, .min + 1, 123_456_789]
        for exponent in 0...18 {
            var power: Int64 = 1
            for _ in 0..<exponent { power *= 10 }
            values += [power, power - 1, power + 1, -power]
        }
        var output = Array("prefix".utf8)
        var ends: [UInt32] = [6]
        JSONDecimalText.appendIntegers(count: values.count, { values[$0] }, to: &output, ends: &ends)
        #expect(ends.count == values.count + 1)
        for (index, value) in values.enumerated() {
            let text = String(decoding: output[Int(ends[index])..<Int(ends[index + 1])], as: UTF8.self)
            #expect(text == String(value))
        }
        #expect(output.count == Int(ends.last!), "no room left over after the last")
        #expect(String(decoding: output.prefix(6), as: UTF8.self) == "prefix")
    }

    @Test func moreThan18SignificantDigitsDoNotFit() {
        #expect(Self.parse("1234567890123456789", scaleMax: 18, .refuse) == nil)
        #expect(Self.parse("0.1234567890123456789", scaleMax: 18, .refuse) == nil)
        // Leading zeros are not significant.
        #expect(Self.parse("0000000000000000000001", scaleMax: 18, .refuse) == [1, 0])
    }

    @Test func scaleMaxCountsDigitsAfterThePointOnceTrailingZerosAreDropped() {
        #expect(Self.parse("0.0000000001", scaleMax: 9, .fold) == nil)
        #expect(Self.parse("0.0000000001", scaleMax: 18, .refuse) == [1, 10])
        #expect(Self.parse("1.50000000000", scaleMax: 9, .fold) == [15, 1])
        // 21 digits after the point, 18 once the zeros go: fits scale 18.
        #expect(Self.parse("0.000000000000000001000", scaleMax: 18, .refuse) == [1, 18])
        #expect(Self.parse("0.0000000000000000000", scaleMax: 18, .refuse) == [0, 0])
        #expect(Self.parse("0.0000000000000000001", scaleMax: 18, .refuse) == nil)
    }

    @Test(
        "the window folds exponents into the scale",
        arguments: [
            ("1.5e2", [150, 0]), ("25e-3", [25, 3]), ("1E+2", [100, 0]), ("-2.50e-1", [-25, 2]), ("0e999", [0, 0]),
            ("1e18", [1_000_000_000_000_000_000, 0]),
        ] as [(String, [Int64])])
    func exponentsFolded(text: String, expected: [Int64]) {
        #expect(Self.parse(text, scaleMax: 9, .fold) == expected)
        // The expression language reads these as doubles.
        #expect(Self.parse(text, scaleMax: 18, .refuse) == nil)
    }

    @Test func foldedExponentsThatDoNotFitAreNil() {
        #expect(Self.parse("1e19", scaleMax: 9, .fold) == nil)  // 10^19 > Int64.max
        #expect(Self.parse("9.3e18", scaleMax: 9, .fold) == nil)  // overflows on the multiply
        #expect(Self.parse("1e-10", scaleMax: 9, .fold) == nil)  // scale 10 > 9
        #expect(Self.parse("1e1000", scaleMax: 9, .fold) == nil)  // exponent past exponentMax
    }

    @Test(
        "written back the same way",
        arguments: [
            ([1234, 2], "12.34"), ([-5, 1], "-0.5"), ([7, 0], "7"), ([5, 2], "0.05"), ([0, 0], "0"),
            ([Int64.min, 18], "-9.223372036854775808"), ([Int64.max, 0], "9223372036854775807"),
            ([10, 0], "10"), ([100, 0], "100"), ([-99, 0], "-99"), ([1, 18], "0.000000000000000001"),
            ([120, 1], "12.0"), ([Int64.min, 0], "-9223372036854775808"), ([Int64.max, 18], "9.223372036854775807"),
        ] as [([Int64], String)])
    func append(value: [Int64], expected: String) {
        var output: [UInt8] = []
        JSONDecimalText.append(value[0], scale: Int(value[1]), to: &output)
        #expect(String(decoding: output, as: UTF8.self) == expected)
    }

    /// The text, for many values and every scale, is Swift's own integer
    /// text with the point put in by hand (a reference that shares no code).
    @Test func writtenTextMatchesAReferenceForManyValues() {
        var generator = SystemRandomNumberGenerator()
        var values: [Int64] = [0, 1, -1, 9, 10, 99, 100, 101, Int64.max, Int64.min]
        for _ in 0..<2_000 { values.append(Int64.random(in: Int64.min...Int64.max, using: &generator) >> Int64.random(in: 0...62, using: &generator)) }
        for value in values {
            for scale in 0...18 {
                var output: [UInt8] = [0x78]  // appends after what is there
                JSONDecimalText.append(value, scale: scale, to: &output)
                var digits = String(value.magnitude)
                if digits.count <= scale { digits = String(repeating: "0", count: scale + 1 - digits.count) + digits }
                if scale > 0 { digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale)) }
                let expected = "x" + (value < 0 ? "-" : "") + digits
                #expect(String(decoding: output, as: UTF8.self) == expected, "\(value) at scale \(scale)")
            }
        }
    }
}
