#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A compiled POSIX extended regular expression (`regcomp` with
/// `REG_EXTENDED`), the dialect of `grep -E`.
///
/// # Thread safety
/// `regexec` on a compiled expression is thread-safe (POSIX), so one may be
/// shared.
///
/// # Ownership
/// Owns the compiled `regex_t` and frees it on deinit.
final class PosixRegex: @unchecked Sendable {
    /// The longest pattern accepted, in bytes: patterns from records are
    /// compiled per record, and a huge one would cost a lot.
    static let patternBytesMax = 4096

    let pattern: String
    let groupCount: Int
    private let compiled: UnsafeMutablePointer<regex_t>

    init(_ pattern: String, argument: Int) throws(ExpressionFunctionError) {
        guard pattern.utf8.count <= Self.patternBytesMax else {
            throw ExpressionFunctionError("the regular expression is longer than \(Self.patternBytesMax) bytes", argument: argument)
        }
        self.pattern = pattern
        compiled = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let status = regcomp(compiled, pattern, REG_EXTENDED)
        guard status == 0 else {
            var buffer = [CChar](repeating: 0, count: 256)
            regerror(status, compiled, &buffer, buffer.count)
            compiled.deallocate()
            let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ExpressionFunctionError("'\(pattern)' is not a valid regular expression (POSIX extended): \(reason)",
                                          argument: argument)
        }
        groupCount = Int(compiled.pointee.re_nsub)
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    /// The byte ranges of the whole first match (index 0) and of each group
    /// (nil for a group that did not take part), or nil without a match.
    func firstMatch(in text: String, from start: Int = 0) throws(ExpressionFunctionError) -> [Range<Int>?]? {
        var matches = [regmatch_t](repeating: regmatch_t(), count: groupCount + 1)
        let status: Int32 = text.withCString { base in
            regexec(compiled, base + start, matches.count, &matches, start > 0 ? REG_NOTBOL : 0)
        }
        if status == Int32(_REG_NOMATCH.rawValue) { return nil }
        guard status == 0 else {
            throw ExpressionFunctionError("matching '\(pattern)' failed (regexec status \(status))")
        }
        return matches.map { match in
            match.rm_so < 0 ? nil : (start + Int(match.rm_so))..<(start + Int(match.rm_eo))
        }
    }

    /// `text` with every match replaced by `replacement`, in which `\N`
    /// stands for group N (`\0`: the whole match).
    func replacingMatches(in text: String, with replacement: String) throws(ExpressionFunctionError) -> String {
        let bytes = Array(text.utf8)
        let template = Array(replacement.utf8)
        var output: [UInt8] = []
        var position = 0
        while position <= bytes.count, let match = try firstMatch(in: text, from: position), let whole = match[0] {
            output.append(contentsOf: bytes[position..<whole.lowerBound])
            var index = 0
            while index < template.count {
                let byte = template[index]
                if byte == UInt8(ascii: "\\"), index + 1 < template.count, isDigit(template[index + 1]) {
                    let group = Int(template[index + 1] - UInt8(ascii: "0"))
                    if group < match.count, let range = match[group] { output.append(contentsOf: bytes[range]) }
                    index += 2
                    continue
                }
                output.append(byte)
                index += 1
            }
            if whole.isEmpty {
                // An empty match: copy one byte and move on, or stop at the end.
                if whole.lowerBound < bytes.count { output.append(bytes[whole.lowerBound]) }
                position = whole.lowerBound + 1
            } else {
                position = whole.upperBound
            }
        }
        if position < bytes.count { output.append(contentsOf: bytes[position...]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// The last pattern compiled for a call site whose pattern is not a
    /// literal: records usually repeat it.
    final class Cache: @unchecked Sendable {
        private var last: PosixRegex?

        func regex(for pattern: String, argument: Int) throws(ExpressionFunctionError) -> PosixRegex {
            if let last, last.pattern == pattern { return last }
            let made = try PosixRegex(pattern, argument: argument)
            last = made
            return made
        }
    }
}
