// A standalone microbenchmark of the exact-decimal readers; see run.sh.
import JSONText
#if canImport(Glibc)
import Glibc
#endif

func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

// Run by run.sh beside it, which adds the old readers (ExactDecimal and the
// old DecimalNumber, from git) and JSONText.

// Number texts as they appear in the benchmarks' records (prices, amounts, counts).
let texts = ["123.45", "19.99", "7", "1000", "0.5", "-42.125", "3.14159", "250.00", "99999.9", "12"]
let buffers: [UnsafeRawBufferPointer] = texts.map { text in
    let pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: text.utf8.count, alignment: 1)
    _ = pointer.initializeMemory(as: UInt8.self, from: Array(text.utf8))
    return UnsafeRawBufferPointer(pointer)
}
let rounds = 2_000_000  // × 10 texts = 20M parses per measurement

@inline(never) func oldWindow() -> Int64 {
    var sum: Int64 = 0
    for _ in 0..<rounds { for b in buffers { if let (u, s) = ExactDecimal.parse(b) { sum &+= u &+ Int64(s) } } }
    return sum
}
@inline(never) func newWindow() -> Int64 {
    var sum: Int64 = 0
    for _ in 0..<rounds { for b in buffers { if let (u, s) = JSONDecimalText.parse(b, scaleMax: 9, exponent: .fold) { sum &+= u &+ Int64(s) } } }
    return sum
}
@inline(never) func oldExpressions() -> Int64 {
    var sum: Int64 = 0
    for _ in 0..<rounds { for b in buffers { if let d = DecimalNumber.parse(b) { sum &+= d.units &+ Int64(d.scale) } } }
    return sum
}
@inline(never) func newExpressions() -> Int64 {
    var sum: Int64 = 0
    for _ in 0..<rounds {
        for b in buffers {
            // As the new DecimalNumber.parse does: the reader, then the
            // already-normalized value.
            if let (u, s) = JSONDecimalText.parse(b, scaleMax: 18, exponent: .refuse) { sum &+= u &+ Int64(s) }
        }
    }
    return sum
}

let cases: [(String, () -> Int64)] = [
    ("window old (ExactDecimal.parse)", oldWindow), ("window new (JSONDecimalText.parse, 9, .fold)", newWindow),
    ("expressions old (DecimalNumber.parse)", oldExpressions), ("expressions new (JSONDecimalText.parse, 18, .refuse)", newExpressions),
]
var results: [String: [Double]] = [:]
var check: [String: Int64] = [:]
for _ in 0..<7 {  // interleaved: each round runs every case once
    for (name, body) in cases {
        let start = now()
        let sum = body()
        let elapsed = now() - start
        results[name, default: []].append(elapsed / Double(rounds * buffers.count) * 1e9)
        check[name] = sum
    }
}
print("load average at end:", String(cString: { () -> [CChar] in
    var loads = [Double](repeating: 0, count: 3); getloadavg(&loads, 3); return Array("\(loads)".utf8CString) }()))
for (name, _) in cases {
    let sorted = results[name]!.sorted()
    print(name, "median ns/parse", (sorted[sorted.count / 2] * 100).rounded() / 100, "min", (sorted[0] * 100).rounded() / 100, "check", check[name]!)
}
