import StreamhostKit

/// A window's running aggregates, as the bytes kept in keyed map state.
///
/// Layout (native byte order; the state never leaves this host except
/// through savepoints, which copy it as bytes):
///
///     0   count   Int64  records in the window
///     8   start   Int64
///     16  end     Int64
///     24  one 16-byte slot per aggregate:
///         count(field)     Int64 non-null values
///         sum, avg         UInt8 mode (0 none yet, 1 exact, 2 double), UInt8 scale, Int64|Double at +8
///         min, max         UInt8 has, Double at +8
///         first, last      UInt8 has, Int64 timestamp at +8; text in the tail
///         distinct_count   Int64 distinct values (the values live in their own map state)
///     tail: for each first/last aggregate, in order: UInt32 length + the value's JSON text
///
/// Every update works in place on a scratch copy, so the common case (count
/// and sums) allocates nothing per record.
struct AccumulatorLayout {
    static let headerSize = 24
    static let slotSize = 16
    /// The most digits after the point an exact sum keeps (nanounits).
    /// Sums are exact decimals (JSONText's `JSONDecimalText`) so that a
    /// window's sum does not depend on the order records arrived in: adding
    /// binary doubles is not associative in the last bits, adding exact
    /// decimals is.
    /// Sums of prices and amounts rarely need more, and at scale 9 an
    /// `Int64` still holds an integer part up to 9.2e9, so sums of many
    /// values stay exact; more digits or a larger value falls back to a
    /// Double. (The expressions keep 18: they hold one value, not a sum.)
    static let exactScaleMax = 9

    let aggregates: [AggregateSpec]
    var fixedSize: Int { Self.headerSize + Self.slotSize * aggregates.count }
    /// Index among the first/last aggregates, per aggregate (nil for others).
    let textIndex: [Int?]
    /// `,"<name>":` per aggregate: each result's field names, quoted once.
    let resultPrefixes: [[UInt8]]

    init(aggregates: [AggregateSpec]) {
        self.aggregates = aggregates
        resultPrefixes = aggregates.map { aggregate in
            var prefix: [UInt8] = [UInt8(ascii: ",")]
            QuotedName.appendQuoted(aggregate.name, to: &prefix)
            prefix.append(UInt8(ascii: ":"))
            return prefix
        }
        var next = 0
        textIndex = aggregates.map { aggregate in
            guard aggregate.function == .first || aggregate.function == .last else { return nil }
            defer { next += 1 }
            return next
        }
    }

    var textCount: Int { textIndex.compactMap { $0 }.count }

    func slot(_ index: Int) -> Int { Self.headerSize + Self.slotSize * index }

    /// A fresh accumulator for [start, end).
    func makeEmpty(start: Int64, end: Int64, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: repeatElement(0, count: fixedSize))
        for _ in 0..<textCount { bytes.append(contentsOf: [0, 0, 0, 0]) }
        bytes.store(start, at: 8)
        bytes.store(end, at: 16)
    }

    /// The tail range of text `index` (an index among first/last aggregates).
    func textRange(_ index: Int, in bytes: [UInt8]) -> Range<Int> {
        var position = fixedSize
        for _ in 0..<index { position += 4 + Int(bytes.loadUInt32(at: position)) }
        let length = Int(bytes.loadUInt32(at: position))
        return (position + 4)..<(position + 4 + length)
    }

    func setText(_ index: Int, _ text: UnsafeRawBufferPointer, in bytes: inout [UInt8]) {
        let range = textRange(index, in: bytes)
        bytes.replaceSubrange(range, with: text)
        bytes.storeUInt32(UInt32(text.count), at: range.lowerBound - 4)
    }
}

/// One record's values for the aggregates, found before any state changes.
enum AggregateInput {
    /// count without a field, or a count(field) whose field is null/absent.
    case none
    case exact(units: Int64, scale: Int, double: Double)
    case double(Double)
    /// first/last/distinct: the value's JSON text (BORROWED from the record).
    case text(UnsafeRawBufferPointer)
    /// count(field) with a value present.
    case present
}

extension AccumulatorLayout {
    /// Adds one record's inputs (distinct counts are maintained by the
    /// operator, which knows whether the value is new).
    func add(_ inputs: [AggregateInput], timestamp: Int64, to bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { addFixed(inputs, to: $0.baseAddress!) }
        for (index, aggregate) in aggregates.enumerated() {
            switch aggregate.function {
            case .first, .last:
                guard case .text(let text) = inputs[index] else { continue }
                offerText(text, timestamp: timestamp, index: index, into: &bytes)
            default:
                continue
            }
        }
    }

    /// Adds one record's inputs to the fixed part of an accumulator (the
    /// record count and the count, sum, avg, min and max slots) in place:
    /// the window's state value, or a slice's entry (`SliceTable`).
    @inline(__always)
    func addFixed(_ inputs: [AggregateInput], to accumulator: UnsafeMutableRawPointer) {
        accumulator.storeInt64(accumulator.loadInt64(at: 0) + 1, at: 0)
        for (index, aggregate) in aggregates.enumerated() {
            let slot = accumulator + slot(index)
            switch aggregate.function {
            case .count:
                if case .present = inputs[index] { slot.storeInt64(slot.loadInt64(at: 0) + 1, at: 0) }
            case .sum, .avg:
                switch inputs[index] {
                case .exact(let units, let scale, let double):
                    Self.addExact(units: units, scale: scale, double: double, slot: slot)
                case .double(let double):
                    Self.addDouble(double, slot: slot)
                default:
                    continue
                }
            case .min, .max:
                let value: Double
                switch inputs[index] {
                case .exact(_, _, let double), .double(let double): value = double
                default: continue
                }
                Self.offerExtreme(value, isMin: aggregate.function == .min, slot: slot)
            case .first, .last, .distinctCount:
                continue
            }
        }
    }

    @inline(__always)
    static func offerExtreme(_ value: Double, isMin: Bool, slot: UnsafeMutableRawPointer) {
        let has = slot.load(as: UInt8.self) != 0
        let current = slot.loadDouble(at: 8)
        if !has || (isMin ? value < current : value > current) {
            slot.storeBytes(of: 1, as: UInt8.self)
            slot.storeDouble(value, at: 8)
        }
    }

    static func addExact(units: Int64, scale: Int, double: Double, slot: UnsafeMutableRawPointer) {
        switch slot.load(as: UInt8.self) {
        case 0:
            slot.storeBytes(of: 1, as: UInt8.self)
            slot.storeBytes(of: UInt8(scale), toByteOffset: 1, as: UInt8.self)
            slot.storeInt64(units, at: 8)
        case 1:
            let currentScale = Int(slot.load(fromByteOffset: 1, as: UInt8.self))
            let target = max(currentScale, scale)
            if let current = JSONDecimalText.rescale(slot.loadInt64(at: 8), from: currentScale, to: target),
               let added = JSONDecimalText.rescale(units, from: scale, to: target) {
                let (sum, overflow) = current.addingReportingOverflow(added)
                if !overflow {
                    slot.storeBytes(of: UInt8(target), toByteOffset: 1, as: UInt8.self)
                    slot.storeInt64(sum, at: 8)
                    return
                }
            }
            toDouble(slot: slot)
            addDouble(double, slot: slot)
        default:
            addDouble(double, slot: slot)
        }
    }

    static func addDouble(_ value: Double, slot: UnsafeMutableRawPointer) {
        if slot.load(as: UInt8.self) == 1 { toDouble(slot: slot) }
        let current = slot.load(as: UInt8.self) == 2 ? slot.loadDouble(at: 8) : 0
        slot.storeBytes(of: 2, as: UInt8.self)
        slot.storeDouble(current + value, at: 8)
    }

    static func toDouble(slot: UnsafeMutableRawPointer) {
        let value = JSONDecimalText.double(slot.loadInt64(at: 8), scale: Int(slot.load(fromByteOffset: 1, as: UInt8.self)))
        slot.storeBytes(of: 2, as: UInt8.self)
        slot.storeDouble(value, at: 8)
    }

    /// first keeps the earliest (timestamp, text), last the latest: ties are
    /// broken by the text's bytes so the result never depends on arrival order.
    private func offerText(_ text: UnsafeRawBufferPointer, timestamp: Int64, index: Int, into bytes: inout [UInt8]) {
        let slot = slot(index)
        let textIndex = textIndex[index]!
        let wantsEarliest = aggregates[index].function == .first
        if bytes[slot] != 0 {
            let current = bytes.loadInt64(at: slot + 8)
            if timestamp != current {
                guard wantsEarliest ? timestamp < current : timestamp > current else { return }
            } else {
                let range = textRange(textIndex, in: bytes)
                let order = bytes.withUnsafeBytes { compareBytes(text, UnsafeRawBufferPointer(rebasing: $0[range])) }
                guard wantsEarliest ? order < 0 : order > 0 else { return }
            }
        }
        bytes[slot] = 1
        bytes.store(timestamp, at: slot + 8)
        setText(textIndex, text, in: &bytes)
    }

    /// Folds `other` (another window's accumulator) into `bytes`, for
    /// merging sessions and writing slices to state. Distinct counts are
    /// recomputed by the operator.
    func merge(_ other: [UInt8], into bytes: inout [UInt8]) {
        other.withUnsafeBytes { from in
            bytes.withUnsafeMutableBytes { mergeFixed(from.baseAddress!, into: $0.baseAddress!) }
        }
        for (index, aggregate) in aggregates.enumerated() {
            guard aggregate.function == .first || aggregate.function == .last else { continue }
            let slot = slot(index)
            guard other[slot] != 0 else { continue }
            let range = textRange(textIndex[index]!, in: other)
            let text = Array(other[range])
            text.withUnsafeBytes {
                offerText($0, timestamp: other.loadInt64(at: slot + 8), index: index, into: &bytes)
            }
        }
    }

    /// Folds the fixed part of `other` (an accumulator of this layout: a
    /// slice's entry, or a window's state) into `accumulator` in place: the
    /// record count and the count, sum, avg, min and max slots. Exact sums
    /// stay exact, so merging slices gives the sum of adding each record.
    func mergeFixed(_ other: UnsafeRawPointer, into accumulator: UnsafeMutableRawPointer) {
        accumulator.storeInt64(accumulator.loadInt64(at: 0) + other.loadUnaligned(as: Int64.self), at: 0)
        for (index, aggregate) in aggregates.enumerated() {
            let offset = self.slot(index)
            let into = accumulator + offset
            let from = other + offset
            switch aggregate.function {
            case .count:
                into.storeInt64(into.loadInt64(at: 0) + from.loadUnaligned(as: Int64.self), at: 0)
            case .sum, .avg:
                switch from.load(as: UInt8.self) {
                case 1:
                    let units = from.loadUnaligned(fromByteOffset: 8, as: Int64.self)
                    let scale = Int(from.load(fromByteOffset: 1, as: UInt8.self))
                    Self.addExact(units: units, scale: scale, double: JSONDecimalText.double(units, scale: scale), slot: into)
                case 2:
                    Self.addDouble(from.loadUnaligned(fromByteOffset: 8, as: Double.self), slot: into)
                default:
                    break
                }
            case .min, .max:
                guard from.load(as: UInt8.self) != 0 else { continue }
                Self.offerExtreme(from.loadUnaligned(fromByteOffset: 8, as: Double.self), isMin: aggregate.function == .min,
                                  slot: into)
            case .first, .last, .distinctCount:
                continue
            }
        }
    }

    /// Appends the window's result fields (after the key and bounds).
    func appendResult(_ bytes: [UInt8], to output: inout [UInt8]) {
        let count = bytes.loadInt64(at: 0)
        for index in aggregates.indices {
            let aggregate = aggregates[index]
            let slot = slot(index)
            output.append(contentsOf: resultPrefixes[index])
            switch aggregate.function {
            case .count:
                appendJSON(aggregate.path == nil ? count : bytes.loadInt64(at: slot), to: &output)
            case .distinctCount:
                appendJSON(bytes.loadInt64(at: slot), to: &output)
            case .sum:
                switch bytes[slot] {
                case 1: JSONDecimalText.append(bytes.loadInt64(at: slot + 8), scale: Int(bytes[slot + 1]), to: &output)
                case 2: appendJSON(bytes.loadDouble(at: slot + 8), to: &output)
                default: output.append(UInt8(ascii: "0"))
                }
            case .avg:
                let values = Double(count)
                switch bytes[slot] {
                case 1:
                    appendJSON(JSONDecimalText.double(bytes.loadInt64(at: slot + 8), scale: Int(bytes[slot + 1])) / values,
                               to: &output)
                case 2: appendJSON(bytes.loadDouble(at: slot + 8) / values, to: &output)
                default: output.append(contentsOf: "null".utf8)
                }
            case .min, .max:
                if bytes[slot] != 0 {
                    appendJSON(bytes.loadDouble(at: slot + 8), to: &output)
                } else {
                    output.append(contentsOf: "null".utf8)
                }
            case .first, .last:
                if bytes[slot] != 0 {
                    output.append(contentsOf: bytes[textRange(textIndex[index]!, in: bytes)])
                } else {
                    output.append(contentsOf: "null".utf8)
                }
            }
        }
    }
}

func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    for index in 0..<common where a[index] != b[index] { return a[index] < b[index] ? -1 : 1 }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}

extension UnsafeMutableRawPointer {
    @inline(__always) func loadInt64(at offset: Int) -> Int64 { loadUnaligned(fromByteOffset: offset, as: Int64.self) }
    @inline(__always) func loadDouble(at offset: Int) -> Double { loadUnaligned(fromByteOffset: offset, as: Double.self) }
    @inline(__always) func storeInt64(_ value: Int64, at offset: Int) {
        storeBytes(of: value, toByteOffset: offset, as: Int64.self)
    }
    @inline(__always) func storeDouble(_ value: Double, at offset: Int) {
        storeBytes(of: value, toByteOffset: offset, as: Double.self)
    }
}

extension [UInt8] {
    @inline(__always) func loadInt64(at offset: Int) -> Int64 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int64.self) }
    }
    @inline(__always) func loadDouble(at offset: Int) -> Double {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Double.self) }
    }
    @inline(__always) func loadUInt32(at offset: Int) -> UInt32 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    }
    @inline(__always) mutating func store(_ value: Int64, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: Int64.self) }
    }
    @inline(__always) mutating func store(_ value: Double, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: Double.self) }
    }
    @inline(__always) mutating func storeUInt32(_ value: UInt32, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
    }
}

/// JSON string quoting for names and keys (named apart from the JSONText
/// module, which it would shadow).
enum QuotedName {
    static func appendQuoted(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { JSONView.appendQuoted(UnsafeRawBufferPointer($0), to: &output) }
    }
}

/// JSON text of a Double: integers without a fraction, null when not finite.
func appendJSON(_ value: Double, to output: inout [UInt8]) {
    guard value.isFinite else {
        output.append(contentsOf: "null".utf8)
        return
    }
    if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
        output.append(contentsOf: String(Int64(value)).utf8)
    } else {
        output.append(contentsOf: "\(value)".utf8)
    }
}

func appendJSON(_ value: Int64, to output: inout [UInt8]) {
    JSONDecimalText.append(value, scale: 0, to: &output)
}
