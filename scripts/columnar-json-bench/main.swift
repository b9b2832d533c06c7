// A standalone microbenchmark of the bytes -> columns edge; see run.sh.
import Columns
#if canImport(Glibc)
import Glibc
#endif

func threadSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let lineCount = Int(arguments[2]), let file = fopen(arguments[1], "r") else {
    fatalError("usage: bench ORDERS.jsonl LINES")
}
// The first `lineCount` lines, one after another, with their offsets.
var text: [UInt8] = []
var starts: [Int] = [0]
var line: UnsafeMutablePointer<CChar>? = nil
var capacity = 0
while starts.count <= lineCount {
    let length = getline(&line, &capacity, file)
    guard length > 0 else { break }
    let bytes = UnsafeRawBufferPointer(start: line, count: length - 1)  // without the LF
    text.append(contentsOf: bytes)
    starts.append(text.count)
}
let records = starts.count - 1

// The orders' schema as side_by_side.py's jsonfile job declares it, or
// (SCHEMA=nexmark) the Nexmark events' table of ddl_gen.sql as the SQL
// planner declares it on the file source (INT is int32, TIMESTAMP(3)
// timestampMs, every column nullable).
let orders = Schema([
    Field("order_id", .int64, nullable: false), Field("customer_id", .int64, nullable: false),
    Field("category", .utf8, nullable: false), Field("amount", .decimal128(precision: 9, scale: 2), nullable: false),
    Field("event_time", .timestampMs, nullable: false),
])
let nexmark = Schema([
    Field("event_type", .int32),
    Field("person", .struct([
        Field("id", .int64), Field("name", .utf8), Field("emailAddress", .utf8), Field("creditCard", .utf8),
        Field("city", .utf8), Field("state", .utf8), Field("dateTime", .timestampMs), Field("extra", .utf8),
    ])),
    Field("auction", .struct([
        Field("id", .int64), Field("itemName", .utf8), Field("description", .utf8), Field("initialBid", .int64),
        Field("reserve", .int64), Field("dateTime", .timestampMs), Field("expires", .timestampMs),
        Field("seller", .int64), Field("category", .int64), Field("extra", .utf8),
    ])),
    Field("bid", .struct([
        Field("auction", .int64), Field("bidder", .int64), Field("price", .int64), Field("channel", .utf8),
        Field("url", .utf8), Field("dateTime", .timestampMs), Field("extra", .utf8),
    ])),
])
let schema = getenv("SCHEMA").map { String(cString: $0) } == "nexmark" ? nexmark : orders
let batchRecords = 1024

@inline(never) func decode(_ decoder: ColumnarJSONDecoder) -> (seconds: Double, rows: Int) {
    var rows = 0
    let start = threadSeconds()
    text.withUnsafeBytes { all in
        var first = 0
        while first < records {
            let end = min(first + batchRecords, records)
            let column = Column(schema.structType, capacity: end - first)
            for record in first..<end {
                let value = UnsafeRawBufferPointer(rebasing: all[starts[record]..<starts[record + 1]])
                do { try decoder.append(value, to: column) } catch { fatalError("\(error)") }
            }
            rows += column.length
            first = end
        }
    }
    return (threadSeconds() - start, rows)
}

var ways = [("one pass", ColumnarJSONDecoder(schema: schema)), ("two scans", ColumnarJSONDecoder(schema: schema, onePass: false))]
// ONE_PASS_ONLY=1: the one-pass path alone (for a profile).
if getenv("ONE_PASS_ONLY") != nil { ways.removeLast() }
var perRecord: [[Double]] = ways.map { _ in [] }
for _ in 0..<7 {
    for (index, way) in ways.enumerated() {
        let (seconds, rows) = decode(way.1)
        precondition(rows == records)
        perRecord[index].append(seconds / Double(records) * 1e9)
    }
}
print("\(records) records of \(text.count / max(records, 1)) bytes on average, batches of \(batchRecords)")
func tenths(_ value: Double) -> String { "\((value * 10).rounded() / 10)" }
for (index, way) in ways.enumerated() {
    let sorted = perRecord[index].sorted()
    let rounds = perRecord[index].map { tenths($0) }.joined(separator: " ")
    print("\(way.0): median \(tenths(sorted[sorted.count / 2])) ns/record (rounds: \(rounds))")
}
