import Yams

extension JobFileReader {
    func checkpoints(_ node: Node) throws(JobFileError) -> CheckpointSpec {
        var spec = CheckpointSpec(intervalMs: 0)
        var intervalSeen = false
        for (key, keyNode, valueNode) in try entries(node, "checkpoints") {
            let field = "checkpoints.\(key)"
            switch key {
            case "interval_ms":
                spec.intervalMs = Int64(try integer(valueNode, field, min: JobLimits.checkpointIntervalMsMin, max: JobLimits.durationMsMax))
                intervalSeen = true
            case "timeout_ms":
                spec.timeoutMs = Int64(try integer(valueNode, field, min: JobLimits.checkpointIntervalMsMin, max: JobLimits.durationMsMax))
            case "min_pause_ms":
                spec.minPauseMs = Int64(try integer(valueNode, field, min: 0, max: JobLimits.durationMsMax))
            case "retained":
                spec.retained = try integer(valueNode, field, min: 1, max: JobLimits.checkpointsRetainedMax)
            case "directory":
                let path = try string(valueNode, field)
                guard !path.isEmpty else { throw error(valueNode, field, "must not be empty") }
                spec.directory = path
            case "restart":
                spec.restart = try restart(valueNode)
            case "tolerable_failed_checkpoints":
                spec.tolerableFailedCheckpoints = try integer(valueNode, field, min: 0, max: JobLimits.restartAttemptsMax)
            default:
                throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                    + CheckpointSpec.fields.joined(separator: ", ") + ")")
            }
        }
        guard intervalSeen else { throw error(node, "checkpoints.interval_ms", "missing required field 'interval_ms'") }
        return spec
    }

    func restart(_ node: Node) throws(JobFileError) -> CheckpointSpec.RestartStrategy {
        var strategy = "fixed_delay"
        var numbers: [String: (Node, Int)] = [:]
        var multiplier = 2.0
        for (key, keyNode, valueNode) in try entries(node, "checkpoints.restart") {
            let field = "checkpoints.restart.\(key)"
            switch key {
            case "strategy":
                strategy = try string(valueNode, field)
                guard CheckpointSpec.RestartStrategy.names.contains(strategy) else {
                    throw error(valueNode, field, "unknown restart strategy '\(strategy)' (allowed: "
                        + CheckpointSpec.RestartStrategy.names.joined(separator: ", ") + ")")
                }
            case "attempts":
                numbers[key] = (keyNode, try integer(valueNode, field, min: 1, max: JobLimits.restartAttemptsMax))
            case "delay_ms", "initial_delay_ms", "max_delay_ms", "reset_after_ms":
                numbers[key] = (keyNode, try integer(valueNode, field, min: 0, max: JobLimits.durationMsMax))
            case "multiplier":
                let value = self.value(valueNode)
                let number: Double
                switch value {
                case .int(let int): number = Double(int)
                case .double(let double): number = double
                default: throw error(valueNode, field, "expected a number, got \(describe(valueNode))")
                }
                guard number >= 1, number <= JobLimits.restartMultiplierMax else {
                    throw error(valueNode, field, "must be between 1 and \(Int(JobLimits.restartMultiplierMax)), got \(number)")
                }
                multiplier = number
                numbers[key] = (keyNode, 0)
            default:
                throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                    + CheckpointSpec.restartFields.joined(separator: ", ") + ")")
            }
        }
        let allowed: Set<String>
        switch strategy {
        case "none": allowed = []
        case "fixed_delay": allowed = ["attempts", "delay_ms"]
        default: allowed = ["attempts", "initial_delay_ms", "max_delay_ms", "multiplier", "reset_after_ms"]
        }
        for (key, (keyNode, _)) in numbers where !allowed.contains(key) {
            throw error(keyNode, "checkpoints.restart.\(key)", "does not apply to the \(strategy) strategy")
        }
        let attempts = numbers["attempts"]?.1 ?? 3
        switch strategy {
        case "none": return .none
        case "fixed_delay": return .fixedDelay(attempts: attempts, delayMs: Int64(numbers["delay_ms"]?.1 ?? 1_000))
        default:
            let initial = Int64(numbers["initial_delay_ms"]?.1 ?? 100)
            let maximum = Int64(numbers["max_delay_ms"]?.1 ?? 60_000)
            guard maximum >= initial else {
                throw error(numbers["max_delay_ms"]?.0, "checkpoints.restart.max_delay_ms",
                            "must not be less than initial_delay_ms (\(initial))")
            }
            return .exponentialBackoff(
                attempts: attempts, initialDelayMs: initial, maxDelayMs: maximum, multiplier: multiplier,
                resetAfterMs: Int64(numbers["reset_after_ms"]?.1 ?? 600_000))
        }
    }
}
