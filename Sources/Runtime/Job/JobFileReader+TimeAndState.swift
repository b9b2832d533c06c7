import Yams

extension JobFileReader {
    func state(_ node: Node) throws(JobFileError) -> StateSpec {
        var spec = StateSpec()
        var boundNode: Node?
        var directoryNode: Node?
        for (key, keyNode, valueNode) in try entries(node, "state") {
            let field = "state.\(key)"
            switch key {
            case "backend":
                spec.backend = try choice(valueNode, field, "state backend")
            case "memory_bytes_max":
                spec.memoryBytesMax = try integer(valueNode, field, min: JobLimits.stateMemoryBytesMin, max: Int.max)
                boundNode = keyNode
            case "directory":
                let path = try string(valueNode, field)
                guard !path.isEmpty else { throw error(valueNode, field, "must not be empty") }
                spec.directory = path
                directoryNode = keyNode
            default:
                throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                    + StateSpec.fields.joined(separator: ", ") + ")")
            }
        }
        if spec.backend == .rocksdb, let boundNode {
            throw error(boundNode, "state.memory_bytes_max", "applies to the memory backend only; "
                + "the rocksdb backend keeps state on disk")
        }
        if spec.backend == .memory, let directoryNode {
            throw error(directoryNode, "state.directory", "applies to the rocksdb backend only")
        }
        return spec
    }

    func watermarks(_ node: Node, _ prefix: String) throws(JobFileError) -> WatermarkSpec {
        var spec = WatermarkSpec()
        var boundNode: Node?
        var strategyNode: Node?
        var timestampNode: Node?
        for (key, keyNode, valueNode) in try entries(node, prefix) {
            let field = "\(prefix).\(key)"
            switch key {
            case "strategy":
                spec.strategy = try choice(valueNode, field, "watermark strategy")
                strategyNode = valueNode
            case "max_out_of_orderness_ms":
                spec.maxOutOfOrdernessMs = Int64(try integer(valueNode, field, min: 0, max: JobLimits.watermarkDelayMsMax))
                boundNode = keyNode
            case "idle_timeout_ms":
                spec.idleTimeoutMs = Int64(try integer(valueNode, field, min: 1, max: JobLimits.watermarkDelayMsMax))
            case "max_future_ms":
                spec.maxFutureMs = Int64(try integer(valueNode, field, min: 0, max: Int(Int64.max / 2)))
            case "timestamp":
                let text = try string(valueNode, field)
                guard !text.allSatisfy(\.isWhitespace) else {
                    throw error(valueNode, field, "must be an expression (ms since 1970), such as timestamp_ms(created_at)")
                }
                spec.timestamp = text
                timestampNode = keyNode
            default:
                throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                    + WatermarkSpec.fields.joined(separator: ", ") + ")")
            }
        }
        if strategyNode == nil, boundNode != nil {
            spec.strategy = .boundedOutOfOrderness
        }
        if let boundNode, spec.strategy != .boundedOutOfOrderness {
            throw error(boundNode, "\(prefix).max_out_of_orderness_ms",
                        "applies to strategy bounded_out_of_orderness only (the strategy is \(spec.strategy.rawValue))")
        }
        if let timestampNode, spec.strategy == .source {
            throw error(timestampNode, "\(prefix).timestamp",
                        "does not go with strategy source: that source emits its own watermarks for the timestamps it gives; "
                            + "use ascending or bounded_out_of_orderness")
        }
        return spec
    }
}
