#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONText

/// Writes expression values as JSON text.
enum ExpressionValueWriter {
    /// A double that JSON cannot carry (NaN, infinity).
    struct NotFinite: Error {}

    /// Appends `value` as JSON: strings quoted and escaped, decimals in
    /// plain notation, doubles in the shortest text that reads back the
    /// same. Throws for a double that is not finite.
    static func append(_ value: ExpressionValue, to output: inout [UInt8]) throws(NotFinite) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .boolean(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): appendInteger(number, to: &output)
        case .decimal(let decimal): decimal.append(to: &output)
        case .double(let number):
            guard number.isFinite else { throw NotFinite() }
            appendDouble(number, to: &output)
        case .string(let text):
            // Most strings are native and contiguous: no copy to reach the bytes.
            if let done: Void = text.utf8.withContiguousStorageIfAvailable({ appendQuoted(UnsafeRawBufferPointer($0), to: &output) }) {
                return done
            }
            var copy = text
            copy.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0), to: &output) }
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try append(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .json(let text): output.append(contentsOf: text.utf8)
        }
    }

    static func appendInteger(_ number: Int64, to output: inout [UInt8]) {
        if number >= 0 && number < 10 {
            output.append(UInt8(truncatingIfNeeded: number) + 0x30)
            return
        }
        JSONDecimalText.append(number, scale: 0, to: &output)
    }

    static func appendDouble(_ number: Double, to output: inout [UInt8]) {
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
            appendInteger(Int64(number), to: &output)
            return
        }
        // Swift's description is the shortest text that reads back the same
        // double, and it is valid JSON for finite values ("1e-07", "0.1").
        output.append(contentsOf: number.description.utf8)
    }

    /// Appends UTF-8 `text` as a JSON string (JSONText's writer, as the
    /// plugin kit writes strings).
    static func appendQuoted(_ text: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        JSONStringText.appendQuoted(text, to: &output)
    }
}

extension ExpressionValue {
    /// The value as JSON text; throws for a double that is not finite.
    public func jsonText() throws -> String {
        var bytes: [UInt8] = []
        do {
            try ExpressionValueWriter.append(self, to: &bytes)
        } catch {
            throw ExpressionRuntimeError(message: "\(self) is not a finite number, which JSON cannot hold")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
