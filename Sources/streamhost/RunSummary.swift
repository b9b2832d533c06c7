import PluginHost
import Runtime

/// The per-step part of `streamhost run`'s summary, and its exit-status rule.
enum RunSummary {
    /// `run` exits with this when the job ran to its end but some step
    /// received records and sent every one of them to the dead letters (a
    /// misspelt key_by field, a filter on a field of the wrong type...).
    static let rejectedEverythingExitCode: Int32 = 3

    /// One line per step: records in and out, dead letters, plugin counters.
    static func stepLines(_ steps: [StepSummary]) -> String {
        steps.map { step in
            var parts: [String] = []
            if step.componentKind == .source {
                parts.append("\(step.recordsIn) out")
            } else {
                parts.append("\(step.recordsIn) in")
                if step.componentKind != .sink { parts.append("\(step.recordsOut) out") }
            }
            parts.append("\(step.rejected) rejected")
            var line = "\n  step '\(step.stepID)' (\(step.kindDescription)): " + parts.joined(separator: ", ")
            if !step.counters.isEmpty {
                line += "; counters: " + step.counters.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
            }
            return line
        }.joined()
    }

    /// Warnings for steps that received records and passed none on without
    /// rejecting them (a filter that drops everything): legal, but rarely meant.
    static func warnings(_ steps: [StepSummary]) -> [String] {
        steps.filter { $0.componentKind == .operator && $0.recordsIn > 0 && $0.recordsOut == 0 && $0.rejected == 0 }.map {
            "step '\($0.stepID)' (\($0.kindDescription)) received \($0.recordsIn) records and emitted none"
        }
    }

    /// The error for steps that rejected every record they received, or nil.
    static func rejectedEverything(_ result: JobResult) -> String? {
        let steps = result.stepsRejectingEverything
        guard !steps.isEmpty else { return nil }
        let list = steps.map { "'\($0.stepID)' (\($0.kindDescription)) rejected all \($0.recordsIn) records it received" }
        return "step " + list.joined(separator: "; step ") + ": see the reasons in \(result.deadLetterPath)"
    }
}
