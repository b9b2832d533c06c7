// The cost of the host's ABI rule 8 check per emit, standalone: built with
// swiftc -O against the host's own Sources/CHostThread (the header and the
// thread-local it defines), without the rest of the package, so that it
// runs where a release build of streamhost-bench does not fit. Two emit
// functions of the host's shape, each called through a C function pointer
// as a plugin calls the host table: one checks that the calling thread runs
// the ctx's callback (the thread-local compare HostAPI makes), the other
// does not; both then append a 100-byte value into an output buffer.
// The real thing is `streamhost-bench --only abi` (abi.host.emit against
// abi.host.emit.unchecked) in a release build.
import CHostThread

#if canImport(Glibc)
import Glibc
#endif

/// The host side of an instance, reduced to an output buffer.
final class Context {
    let capacity = 1 << 20
    let buffer: UnsafeMutableRawPointer
    // Unchecked as InstanceContext's emit-path fields are: one thread.
    @exclusivity(unchecked) var used = 0
    @exclusivity(unchecked) var count = 0
    init() { buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16) }

    @inline(__always)
    func append(_ value: UnsafeRawPointer, _ length: Int) -> Int32 {
        if used + length > capacity { used = 0 }
        (buffer + used).copyMemory(from: value, byteCount: length)
        used += length
        count += 1
        return 0
    }
}

typealias Emit = @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int) -> Int32

@inline(never)
func refuse() -> Int32 { 9 }

let checked: Emit = { ctx, value, length in
    guard let ctx, let value else { return 6 }
    guard sh_host_thread_current() == UnsafeRawPointer(ctx) else { return refuse() }
    return Unmanaged<Context>.fromOpaque(UnsafeRawPointer(ctx))._withUnsafeGuaranteedRef { $0.append(value, length) }
}

let unchecked: Emit = { ctx, value, length in
    guard let ctx, let value else { return 6 }
    return Unmanaged<Context>.fromOpaque(UnsafeRawPointer(ctx))._withUnsafeGuaranteedRef { $0.append(value, length) }
}

@inline(never) @_optimize(none)
func opaque<T>(_ value: T) -> T { value }

/// The thread's CPU time: the machine this runs on is shared, and wall time
/// would count the time other processes had the core.
func nanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

let calls = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 100_000_000
let repetitions = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2])! : 7
let context = Context()
let ctx = OpaquePointer(Unmanaged.passUnretained(context).toOpaque())
let value = [UInt8](repeating: UInt8(ascii: "x"), count: 100)
var samples: [String: [Double]] = ["checked": [], "unchecked": []]
// As a callback does: this thread runs the ctx's callback.
let previous = sh_host_thread_enter(UnsafeRawPointer(ctx))
value.withUnsafeBytes { bytes in
    for _ in 0..<repetitions {
        for (name, function) in [("checked", checked), ("unchecked", unchecked)] {
            let emit = opaque(function)
            var failed = 0
            let start = nanoseconds()
            for _ in 0..<calls where emit(ctx, bytes.baseAddress, bytes.count) != 0 { failed += 1 }
            let elapsed = nanoseconds() - start
            precondition(failed == 0, "\(name): \(failed) emits refused")
            samples[name]!.append(Double(elapsed) / Double(calls))
        }
    }
}
_ = sh_host_thread_enter(previous)
precondition(context.count == 2 * calls * repetitions)
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
/// `value` with three decimals (no Foundation here).
func fixed(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let sign = thousandths < 0 ? "-" : ""
    let magnitude = abs(thousandths)
    let fraction = String(magnitude % 1000)
    return sign + String(magnitude / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
let checkedNs = median(samples["checked"]!), uncheckedNs = median(samples["unchecked"]!)
print("calls per repetition \(calls), repetitions \(repetitions) (interleaved), thread CPU time, medians:")
for name in ["checked", "unchecked"] {
    let values = samples[name]!.map(fixed).joined(separator: ", ")
    print("  emit \(name): \(fixed(median(samples[name]!))) ns/call  (\(values))")
}
print("  check per emit: \(fixed(checkedNs - uncheckedNs)) ns")
