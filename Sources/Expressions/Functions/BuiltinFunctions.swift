#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The functions every expression can call.
///
/// Strings: `lower`, `upper`, `length`, `trim`, `concat`, `substring`
/// (1-based, in Unicode scalars, as SQL), `replace`, `starts_with`,
/// `ends_with`, `contains`, `regex_match`, `regex_extract`, `regex_replace`
/// (POSIX extended regular expressions), `split`. Numbers: `abs`, `round`,
/// `floor`, `ceil`. Time (ms since the Unix epoch, UTC): `format_time`,
/// `parse_time`, and Flink SQL's timestamp text: `timestamp_text`,
/// `timestamp_ms`. Every one returns null when an argument is null.
/// (`coalesce`, `if`, `event_time`, `processing_time`, `cast` and `try_cast` are part of the
/// language, not of this library.)
public struct BuiltinFunctions: ExpressionFunctionLibrary {
    public init() {}

    public func function(named name: String) -> (any ExpressionFunction)? {
        Self.table[name]
    }

    public var functionNames: [String] { Self.table.keys.sorted() }

    static let table: [String: BuiltinFunction] = {
        var table: [String: BuiltinFunction] = [:]
        for function in strings + numbers + times { table[function.name] = function }
        return table
    }()

    // MARK: Strings

    static let strings: [BuiltinFunction] = [
        BuiltinFunction("lower", .init([.string], result: .string)) { arguments throws(ExpressionFunctionError) in
            let text = try arguments.string(0)
            return .string(asciiMapped(text, upper: false) ?? text.lowercased())
        },
        BuiltinFunction("upper", .init([.string], result: .string)) { arguments throws(ExpressionFunctionError) in
            let text = try arguments.string(0)
            return .string(asciiMapped(text, upper: true) ?? text.uppercased())
        },
        BuiltinFunction("length", .init([.string], result: .integer)) { arguments throws(ExpressionFunctionError) in
            .integer(Int64(try arguments.string(0).unicodeScalars.count))
        },
        BuiltinFunction("trim", .init([.string], result: .string)) { arguments throws(ExpressionFunctionError) in
            let scalars = try arguments.string(0).unicodeScalars
            let isSpace: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace }
            guard let first = scalars.firstIndex(where: { !isSpace($0) }),
                  let last = scalars.lastIndex(where: { !isSpace($0) }) else { return .string("") }
            return .string(String(scalars[first...last]))
        },
        BuiltinFunction("concat", .init([.string], variadic: .string, result: .string)) { arguments throws(ExpressionFunctionError) in
            var text = ""
            for index in arguments.indices { text += try arguments.string(index) }
            return .string(text)
        },
        BuiltinFunction("substring", .init([.string, .integer, .integer], required: 2, result: .string)) { arguments throws(ExpressionFunctionError) in
            let scalars = Array(try arguments.string(0).unicodeScalars)
            // SQL: positions from 1; a start before 1 eats into the length.
            let start = try arguments.integer(1)
            var end = Int64(scalars.count) + 1
            if let length = try arguments.optionalInteger(2) {
                guard length >= 0 else {
                    throw ExpressionFunctionError("substring's length must not be negative, got \(length)", argument: 2)
                }
                let (sum, overflow) = start.addingReportingOverflow(length)
                end = overflow ? end : min(end, sum)
            }
            let from = max(start, 1)
            guard from < end, from <= Int64(scalars.count) else { return .string("") }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[Int(from - 1)..<Int(end - 1)])
            return .string(String(text))
        },
        BuiltinFunction("replace", .init([.string, .string, .string], result: .string)) { arguments throws(ExpressionFunctionError) in
            let text = try arguments.string(0)
            let target = try arguments.string(1)
            guard !target.isEmpty else { return .string(text) }
            return .string(replacing(target, with: try arguments.string(2), in: text))
        },
        BuiltinFunction("starts_with", .init([.string, .string], result: .boolean)) { arguments throws(ExpressionFunctionError) in
            .boolean(try arguments.string(0).utf8.starts(with: try arguments.string(1).utf8))
        },
        BuiltinFunction("ends_with", .init([.string, .string], result: .boolean)) { arguments throws(ExpressionFunctionError) in
            .boolean(try arguments.string(0).utf8.reversed().starts(with: try arguments.string(1).utf8.reversed()))
        },
        BuiltinFunction("contains", .init([.string, .string], result: .boolean)) { arguments throws(ExpressionFunctionError) in
            .boolean(find(try arguments.string(1), in: try arguments.string(0)) != nil)
        },
        BuiltinFunction("split", .init([.string, .string], result: .array)) { arguments throws(ExpressionFunctionError) in
            let separator = try arguments.string(1)
            guard !separator.isEmpty else {
                throw ExpressionFunctionError("split's separator must not be empty", argument: 1)
            }
            return .array(splitting(try arguments.string(0), by: separator).map(ExpressionValue.string))
        },
        BuiltinFunction("regex_match", .init([.string, .string], result: .boolean), binder: regexBinder { regex, arguments throws(ExpressionFunctionError) in
            .boolean(try regex.firstMatch(in: try arguments.string(0)) != nil)
        }),
        BuiltinFunction("regex_extract", .init([.string, .string, .integer], required: 2, result: .string),
                        binder: regexBinder { regex, arguments throws(ExpressionFunctionError) in
            let group = Int(try arguments.optionalInteger(2) ?? 0)
            guard group >= 0, group <= regex.groupCount else {
                throw ExpressionFunctionError("regex_extract: the pattern has \(regex.groupCount) groups; group \(group) does not exist",
                                              argument: 2)
            }
            let text = try arguments.string(0)
            guard let match = try regex.firstMatch(in: text), let range = match[group] else { return .null }
            return .string(String(decoding: Array(text.utf8)[range], as: UTF8.self))
        }),
        BuiltinFunction("regex_replace", .init([.string, .string, .string], result: .string),
                        binder: regexBinder { regex, arguments throws(ExpressionFunctionError) in
            .string(try regex.replacingMatches(in: try arguments.string(0), with: try arguments.string(2)))
        }),
    ]

    /// Lowercases or uppercases ASCII text without the Unicode tables; nil
    /// for text with other characters.
    static func asciiMapped(_ text: String, upper: Bool) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count) { output in
                for index in 0..<bytes.count {
                    let byte = bytes[index]
                    if upper, byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") {
                        output[index] = byte - 32
                    } else if !upper, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                        output[index] = byte + 32
                    } else {
                        output[index] = byte
                    }
                }
                return bytes.count
            }
        }
    }

    /// The UTF-8 offset of the first `needle` in `text`.
    static func find(_ needle: String, in text: String, from start: Int = 0) -> Int? {
        let haystack = Array(text.utf8)
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return start }
        guard haystack.count >= pattern.count else { return nil }
        var index = start
        while index + pattern.count <= haystack.count {
            if haystack[index] == pattern[0], haystack[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
            index += 1
        }
        return nil
    }

    static func splitting(_ text: String, by separator: String) -> [String] {
        let bytes = Array(text.utf8)
        let width = separator.utf8.count
        var parts: [String] = []
        var start = 0
        while let found = find(separator, in: text, from: start) {
            parts.append(String(decoding: bytes[start..<found], as: UTF8.self))
            start = found + width
        }
        parts.append(String(decoding: bytes[start...], as: UTF8.self))
        return parts
    }

    static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        splitting(text, by: target).joined(separator: replacement)
    }

    /// Binds a regex function: a literal pattern is compiled once (a bad
    /// one fails the compile); a pattern from a field is compiled per
    /// record, keeping the last one.
    static func regexBinder(
        _ body: @escaping @Sendable (PosixRegex, UnsafeBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) -> ExpressionValue
    ) -> BuiltinFunction.Binder {
        return { constants throws(ExpressionFunctionError) in
            if case .string(let pattern)? = constants[1] {
                let regex = try PosixRegex(pattern, argument: 1)
                return ExpressionFunctionBody { arguments throws(ExpressionFunctionError) in try body(regex, arguments) }
            }
            let cache = PosixRegex.Cache()
            return ExpressionFunctionBody { arguments throws(ExpressionFunctionError) in
                try body(try cache.regex(for: try arguments.string(1), argument: 1), arguments)
            }
        }
    }

    // MARK: Numbers

    static let numbers: [BuiltinFunction] = [
        BuiltinFunction("abs", .init([.number], result: .number)) { arguments throws(ExpressionFunctionError) in
            switch arguments[0] {
            case .integer(let number):
                guard number != Int64.min else { throw ExpressionFunctionError("abs(\(number)) overflows 64 bits", argument: 0) }
                return .integer(abs(number))
            case .decimal(let number):
                return .decimal(number.units < 0 ? number.negated! : number)
            case .double(let number):
                return .double(abs(number))
            default:
                throw ExpressionFunctionError("internal error: abs of \(arguments[0].described)", argument: 0)
            }
        },
        BuiltinFunction("round", .init([.number, .integer], required: 1, result: .number)) { arguments throws(ExpressionFunctionError) in
            let digits = Int(clamping: try arguments.optionalInteger(1) ?? 0)
            return try rounded(arguments[0], digits: digits, rule: .toNearestOrAwayFromZero)
        },
        BuiltinFunction("floor", .init([.number], result: .number)) { arguments throws(ExpressionFunctionError) in
            try rounded(arguments[0], digits: 0, rule: .down)
        },
        BuiltinFunction("ceil", .init([.number], result: .number)) { arguments throws(ExpressionFunctionError) in
            try rounded(arguments[0], digits: 0, rule: .up)
        },
    ]

    /// `value` rounded to `digits` after the point (SQL's ROUND: half away
    /// from zero). Integers stay integers; decimals stay exact.
    static func rounded(_ value: ExpressionValue, digits: Int, rule: FloatingPointRoundingRule) throws(ExpressionFunctionError) -> ExpressionValue {
        switch value {
        case .integer:
            return value
        case .decimal(let number):
            guard number.scale > max(digits, 0) else { return value }
            let drop = number.scale - max(digits, 0)
            let divisor = DecimalNumber.powersOf10[drop]
            var quotient = number.units / divisor
            let remainder = number.units % divisor
            switch rule {
            case .down: if remainder < 0 { quotient -= 1 }
            case .up: if remainder > 0 { quotient += 1 }
            default: if abs(remainder) * 2 >= divisor { quotient += number.units < 0 ? -1 : 1 }
            }
            return .decimal(DecimalNumber(units: quotient, scale: max(digits, 0)))
        case .double(let number):
            let factor = pow(10.0, Double(max(min(digits, 300), -300)))
            return .double((number * factor).rounded(rule) / factor)
        default:
            throw ExpressionFunctionError("internal error: rounding \(value.described)", argument: 0)
        }
    }

    // MARK: Time

    static let times: [BuiltinFunction] = [
        BuiltinFunction("format_time", .init([.integer, .string], required: 1, result: .string)) { constants throws(ExpressionFunctionError) in
            if constants.count > 1, case .string(let text)? = constants[1] {
                let pattern = try TimePattern(text, argument: 1)
                return ExpressionFunctionBody { arguments throws(ExpressionFunctionError) in
                    .string(pattern.format(try arguments.integer(0)))
                }
            }
            return ExpressionFunctionBody { arguments throws(ExpressionFunctionError) in
                let pattern = arguments.count > 1 ? try TimePattern(try arguments.string(1), argument: 1) : TimePattern.iso8601
                return .string(pattern.format(try arguments.integer(0)))
            }
        },
        BuiltinFunction("parse_time", .init([.string, .string], required: 1, result: .integer)) { constants throws(ExpressionFunctionError) in
            if constants.count > 1, case .string(let text)? = constants[1] {
                let pattern = try TimePattern(text, argument: 1)
                return ExpressionFunctionBody { arguments throws(ExpressionFunctionError) in
                    .integer(try pattern.parse(try arguments.string(0)))
                }
            }
            return ExpressionFunctionBody { arguments throws(ExpressionFunctionError) in
                let pattern = arguments.count > 1 ? try TimePattern(try arguments.string(1), argument: 1) : TimePattern.iso8601
                return .integer(try pattern.parse(try arguments.string(0)))
            }
        },
        BuiltinFunction("timestamp_text", .init([.integer], result: .string)) { arguments throws(ExpressionFunctionError) in
            .string(SQLTimestampText.text(try arguments.integer(0)))
        },
        BuiltinFunction("timestamp_ms", .init([.string], result: .integer)) { arguments throws(ExpressionFunctionError) in
            var text = try arguments.string(0)
            guard let milliseconds = text.withUTF8({ SQLTimestampText.milliseconds(UnsafeRawBufferPointer($0)) }) else {
                throw SQLTimestampText.failure(text)
            }
            return .integer(milliseconds)
        },
    ]
}
