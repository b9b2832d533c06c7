import Foundation

/// The one bounded mutation fuzzer of the tests: mutants of a committed
/// seed corpus, from a fixed seed, for a fixed number of iterations, so that
/// every fuzz test runs with the ordinary tests (and so in `.ci/run`) and a
/// failure replays exactly on every machine.
///
/// Each mutant is a seed input with one to three edits: a byte replaced by
/// or inserted from `interestingBytes`, a few bytes deleted or duplicated, a
/// piece of another seed spliced in, a token inserted, and for binary
/// formats a bit flipped, a boundary integer written over a length or count,
/// or the input cut short. A failure names the test's seed and the mutant
/// (`describe`); add the mutant as a named regression test.
///
/// Longer local runs: `STREAMHOST_FUZZ_SCALE=100` multiplies every fuzz
/// test's iterations, `STREAMHOST_FUZZ_SEED=<n>` mixes another seed into
/// each test's own so that a long run explores new mutants (see
/// docs/ARCHITECTURE.md, "Testing: fuzzing and waiting for progress").
/// Fuzz tests carry a time limit of minutes: a guard against a hang that
/// leaves room for scaled runs, not a measure.
public struct MutationFuzzer {
    /// One kind of edit.
    public enum Edit: Sendable, CaseIterable {
        /// A byte replaced by one of `interestingBytes`.
        case replaceByte
        /// One of `interestingBytes` inserted.
        case insertByte
        /// One to four bytes deleted.
        case delete
        /// One to eight bytes duplicated in place.
        case duplicate
        /// Up to 16 bytes of another seed inserted.
        case splice
        /// One of `tokens` inserted.
        case insertToken
        /// One bit flipped.
        case flipBit
        /// A boundary value (0, -1, the extremes of 8/16/32/64-bit and of a
        /// varint) written over 1, 2, 4 or 8 bytes, big- or little-endian.
        case boundaryInteger
        /// The input cut at a random length.
        case truncate
        /// The first run of decimal digits at or after the position replaced
        /// by a boundary number as text ("-1", "2147483648", ...), so that
        /// text formats get the edge values binary ones get from
        /// `boundaryInteger`.
        case replaceNumber
    }

    /// The edits for text formats (JSON, YAML), in a fixed order: the order
    /// is part of what a seed replays.
    public static let textEdits: [Edit] = [
        .replaceByte, .insertByte, .delete, .duplicate, .splice, .insertToken, .replaceNumber,
    ]
    /// Every edit, for binary formats.
    public static let binaryEdits: [Edit] = Edit.allCases

    /// Bytes that change the meaning of structured text or break UTF-8.
    public static let textBytes: [UInt8] = Array(#"{}[]":,\/-+.eE0123456789tfnu "#.utf8)
        + [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]
    /// Bytes on the edges of integer and varint encodings.
    public static let binaryBytes: [UInt8] = [0x00, 0x01, 0x02, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF]

    /// The inputs mutants start from.
    public let seeds: [[UInt8]]
    public let edits: [Edit]
    public let interestingBytes: [UInt8]
    public let tokens: [[UInt8]]
    /// Edits never touch the first `fixedPrefix` bytes (a frame header that
    /// selects the handler under test, say).
    public let fixedPrefix: Int
    /// The seed this fuzzer's stream of mutants comes from (with
    /// `STREAMHOST_FUZZ_SEED` mixed in); failures should name it.
    public let seed: UInt64
    public private(set) var random: SeededRandom

    public init(
        seed: UInt64, seeds: [[UInt8]], edits: [Edit] = MutationFuzzer.binaryEdits,
        interestingBytes: [UInt8] = MutationFuzzer.binaryBytes, tokens: [[UInt8]] = [], fixedPrefix: Int = 0
    ) {
        precondition(!seeds.isEmpty, "a fuzzer needs at least one seed input")
        precondition(!edits.isEmpty && !interestingBytes.isEmpty, "a fuzzer needs edits and interesting bytes")
        self.seeds = seeds
        // Without tokens there is nothing to insert.
        self.edits = tokens.isEmpty ? edits.filter { $0 != .insertToken } : edits
        self.interestingBytes = interestingBytes
        self.tokens = tokens
        self.fixedPrefix = fixedPrefix
        self.seed = seed ^ Self.seedFromEnvironment
        random = SeededRandom(seed: self.seed)
    }

    /// `iterations` times `STREAMHOST_FUZZ_SCALE` (1 when unset).
    public static func iterations(_ iterations: Int) -> Int {
        let scale = ProcessInfo.processInfo.environment["STREAMHOST_FUZZ_SCALE"].flatMap { Int($0) } ?? 1
        precondition(scale >= 1, "STREAMHOST_FUZZ_SCALE must be a positive integer")
        return iterations * scale
    }

    static var seedFromEnvironment: UInt64 {
        ProcessInfo.processInfo.environment["STREAMHOST_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0
    }

    /// A uniformly drawn integer in 0..<bound.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(random.next() % UInt64(bound))
    }

    /// A mutant of a randomly chosen seed.
    public mutating func next() -> [UInt8] {
        mutate(seeds[below(seeds.count)])
    }

    /// `input` with one to three edits.
    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...Int(random.next() % 3) {
            let editable = max(0, bytes.count - fixedPrefix)
            let position = min(bytes.count, fixedPrefix) + (editable == 0 ? 0 : below(editable + 1))
            let inside = position < bytes.count
            switch edits[below(edits.count)] {
            case .replaceByte where inside:
                bytes[position] = interestingBytes[below(interestingBytes.count)]
            case .insertByte:
                bytes.insert(interestingBytes[below(interestingBytes.count)], at: position)
            case .delete where inside:
                bytes.removeSubrange(position..<min(bytes.count, position + 1 + below(4)))
            case .duplicate where inside:
                bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 1 + below(8))], at: position)
            case .splice:
                let other = seeds[below(seeds.count)]
                let start = other.isEmpty ? 0 : below(other.count)
                bytes.insert(contentsOf: other[start..<min(other.count, start + 1 + below(16))], at: position)
            case .insertToken:
                bytes.insert(contentsOf: tokens[below(tokens.count)], at: position)
            case .flipBit where inside:
                bytes[position] ^= 1 << UInt8(below(8))
            case .boundaryInteger where inside:
                let width = [1, 2, 4, 8][below(4)]
                let value = Self.boundaryValues[below(Self.boundaryValues.count)]
                let bigEndian = below(2) == 0
                for index in 0..<min(width, bytes.count - position) {
                    let shift = 8 * (bigEndian ? width - 1 - index : index)
                    bytes[position + index] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
                }
            case .truncate where inside:
                bytes.removeSubrange(position...)
            case .replaceNumber where inside:
                let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
                guard let start = bytes[position...].firstIndex(where: isDigit) else { break }
                let end = bytes[start...].firstIndex { !isDigit($0) } ?? bytes.endIndex
                bytes.replaceSubrange(start..<end, with: Self.boundaryNumbers[below(Self.boundaryNumbers.count)].utf8)
            default:
                break
            }
        }
        return bytes
    }

    /// Values on the edges of signed and unsigned integers and varints.
    static let boundaryValues: [UInt64] = [
        0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, UInt64.max, UInt64.max - 1, 0x0F_FFFF_FFFF,
    ]

    /// Numbers on the edges of the usual integer types, as text.
    static let boundaryNumbers = [
        "0", "1", "-1", "127", "128", "255", "256", "32767", "32768", "65535", "2147483647", "2147483648",
        "-2147483649", "4294967295", "4294967296", "9223372036854775807", "9223372036854775808", "1e308", "0.5",
    ]

    /// `bytes` for a failure message: printable ASCII as is, others as \xNN;
    /// long inputs as their first 512 bytes and their length.
    public static func describe(_ bytes: [UInt8]) -> String {
        let shown = bytes.prefix(512).map {
            $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16)
        }.joined()
        return bytes.count > 512 ? "\(shown)... (\(bytes.count) bytes)" : shown
    }
}
