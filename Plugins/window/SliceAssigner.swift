/// How a fixed-size window kind cuts event time into slices, and which
/// slices make up which window: Flink's slice assigners.
///
/// A tumbling window is one slice; sliding (hopping) windows share slices
/// of gcd(size, slide), so a window of size / gcd slices is merged from
/// them when it fires and each record updates one slice, not size / slide
/// windows; cumulating windows [s, s + k step) share slices of `step`.
/// Every window start and end is a slice boundary, and event time starts
/// at 0 (records with negative timestamps are rejected), so slices start
/// at multiples of `sliceSize` from 0.
struct SliceAssigner {
    /// The most slices one window may be merged from: beyond it (a slide
    /// that shares few factors with the size) a window keeps the per-key
    /// path rather than merging thousands of slices per firing.
    static let slicesPerWindowMax: Int64 = 1000

    enum Shape {
        /// Windows [s, s + size) for every multiple s of `slide`
        /// (tumbling: slide = size).
        case hopping(size: Int64, slide: Int64)
        /// Windows [s, s + k step) for s a multiple of `size`, k = 1 ... size / step.
        case cumulating(size: Int64, step: Int64)
    }

    let shape: Shape
    let sliceSize: Int64

    /// The assigner of a window spec whose typed batches can aggregate per
    /// slice (count, sum, avg, min and max; no allowed lateness); nil for
    /// the others, which keep the per-key path: sessions, first, last and
    /// distinct_count (text per window), and allowed lateness (a late record
    /// would re-emit a window merged from slices and state that a restore
    /// splits: not cheap, so not done).
    init?(_ spec: WindowSpec) {
        guard spec.allowedLateness == 0 else { return nil }
        let aggregatesSlice = spec.aggregates.allSatisfy { aggregate in
            switch aggregate.function {
            case .count, .sum, .avg, .min, .max: return true
            case .first, .last, .distinctCount: return false
            }
        }
        guard aggregatesSlice else { return nil }
        switch spec.kind {
        case .tumbling(let size):
            shape = .hopping(size: size, slide: size)
            sliceSize = size
        case .sliding(let size, let slide):
            shape = .hopping(size: size, slide: slide)
            sliceSize = Self.gcd(size, slide)
            guard size / sliceSize <= Self.slicesPerWindowMax else { return nil }
        case .cumulate(let size, let step):
            shape = .cumulating(size: size, step: step)
            sliceSize = step
        case .session:
            return nil
        }
    }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// The slice of a record at `timestamp` (>= 0).
    @inline(__always)
    func sliceStart(of timestamp: Int64) -> Int64 { timestamp - timestamp % sliceSize }

    /// The ends of the windows slice `start` belongs to, earliest first.
    func windowEnds(ofSlice start: Int64) -> StrideThrough<Int64> {
        switch shape {
        case .hopping(let size, let slide):
            // Windows start at multiples of slide; the earliest one that
            // covers the slice starts at or after its end - size (which
            // may be negative: the first windows start before 0).
            let lowest = start + sliceSize - size
            let firstStart = lowest <= 0 ? -((-lowest) / slide) * slide : (lowest + slide - 1) / slide * slide
            return stride(from: firstStart + size, through: lastWindowEnd(ofSlice: start), by: Int(slide))
        case .cumulating(_, let step):
            return stride(from: start + step, through: lastWindowEnd(ofSlice: start), by: Int(step))
        }
    }

    /// The end of the last window slice `start` belongs to: once that
    /// window fired the slice is no longer needed.
    func lastWindowEnd(ofSlice start: Int64) -> Int64 {
        switch shape {
        case .hopping(let size, let slide): return start - start % slide + size
        case .cumulating(let size, _): return start - start % size + size
        }
    }

    /// The start of the window that ends at `end`.
    func windowStart(ofEnd end: Int64) -> Int64 {
        switch shape {
        case .hopping(let size, _): return end - size
        case .cumulating(let size, _): return (end - 1) - (end - 1) % size
        }
    }

    /// The starts of the slices of the window [start, end) that can hold
    /// records (those at or after 0).
    func sliceStarts(ofWindowFrom start: Int64, to end: Int64) -> StrideTo<Int64> {
        stride(from: max(start, 0), to: end, by: Int(sliceSize))
    }
}
