#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The machine a run measured: cores, CPU model, kernel, load.
struct Machine {
    /// What `nproc` prints: the CPUs this process may run on.
    let nproc: String
    /// `ProcessInfo.activeProcessorCount`, which sizes the runtime's worker pool.
    let activeProcessorCount: Int
    /// The first "model name" of /proc/cpuinfo.
    let cpuModel: String
    let kernel: String
    /// When the run started, UTC.
    let date: String

    static func current() -> Machine {
        let nproc = (try? runProcess("nproc", []).output)?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        var model = "unknown"
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
                if let colon = line.firstIndex(of: ":") {
                    model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                break
            }
        }
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: names.release) { raw in
            String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return Machine(
            nproc: nproc, activeProcessorCount: ProcessInfo.processInfo.activeProcessorCount,
            cpuModel: model, kernel: "Linux " + release, date: formatter.string(from: Date()))
    }

    /// /proc/loadavg's three averages: how busy the machine was around a
    /// measurement (the cores are shared).
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
