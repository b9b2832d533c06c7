import Foundation
import JobService

/// `jobs describe`'s line of a running step's live figures: "412.0 records/s
/// in, 410.5 out; busy 3%, back-pressured 0%; watermark lag 1.2 s; 81234 in
/// so far".
enum LiveFigures {
    static func line(_ live: StepLive) -> String {
        var parts: [String] = []
        if let inRate = live.recordsInPerSecond, let outRate = live.recordsOutPerSecond {
            parts.append(String(format: "%.1f records/s in, %.1f out", inRate, outRate))
        }
        if let busy = live.busyMsPerSecond, let backPressured = live.backPressuredMsPerSecond {
            parts.append(String(format: "busy %.0f%%, back-pressured %.0f%%", busy / 10, backPressured / 10))
        }
        if let lag = live.watermarkLagMs { parts.append(String(format: "watermark lag %.1f s", lag / 1000)) }
        parts.append("\(live.recordsIn) in, \(live.recordsOut) out in this attempt")
        return parts.joined(separator: "; ")
    }
}
