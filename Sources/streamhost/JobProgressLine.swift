import Foundation
import Runtime

/// Draws a running job's progress as one status line on standard error,
/// rewritten in place each second ("\r", then the text, then ESC[K to clear
/// what a longer earlier line left), and ends it with a newline when an
/// attempt stops, so that later output starts on a fresh line.
///
/// # Thread safety
/// Called by the runtime one call at a time (`JobProgressObserver`); each
/// call is one write(2).
final class JobProgressLine: JobProgressObserver {
    func progressed(_ progress: JobProgress) {
        writeStatusLine(Self.text(progress))
    }

    func attemptEnded() {
        writeStderr("\n")
    }

    /// "job: in 1.2k/s, out 1.2k/s, total in 5000, out 4990".
    static func text(_ progress: JobProgress) -> String {
        "\(progress.jobName): in \(rate(progress.sourceRecordsPerSecond))/s, "
            + "out \(rate(progress.sinkRecordsPerSecond))/s, "
            + "total in \(progress.sourceRecords), out \(progress.sinkRecords)"
    }

    /// A rate, short: "950", "12.3k", "1.25M".
    static func rate(_ value: Double) -> String {
        if value >= 1e6 { return String(format: "%.2fM", value / 1e6) }
        if value >= 1e3 { return String(format: "%.1fk", value / 1e3) }
        return String(format: "%.0f", value)
    }
}

/// Rewrites the status line on standard error in place: back to the start
/// of the line ("\r"), the text, then ESC[K to clear what a longer earlier
/// line left. The one way the CLI draws a live status line.
func writeStatusLine(_ text: String) {
    writeStderr("\r\(text)\u{1b}[K")
}
