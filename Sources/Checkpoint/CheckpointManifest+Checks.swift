extension CheckpointManifest {
    /// The first thing wrong with a decoded manifest that its JSON types
    /// cannot rule out, or nil: key-group ranges that are not ranges (reading
    /// `InstanceSnapshot.keyGroups` would trap), counts below one, negative
    /// sizes and file paths that leave the checkpoint's directory. A manifest
    /// comes from disk, possibly from another machine (a savepoint), so it
    /// is checked like any outside input.
    func problem() -> String? {
        guard maxParallelism >= 1 else { return "maxParallelism \(maxParallelism) is below 1" }
        for (stepIndex, step) in steps.enumerated() {
            let place = "steps[\(stepIndex)] ('\(step.stepID)')"
            guard step.parallelism >= 1 else { return "\(place): parallelism \(step.parallelism) is below 1" }
            for (index, instance) in step.instances.enumerated() {
                let place = "\(place).instances[\(index)]"
                guard instance.instance >= 0, instance.instance < step.parallelism else {
                    return "\(place): instance \(instance.instance) is outside 0..<\(step.parallelism)"
                }
                guard instance.keyGroupFirst >= 0, instance.keyGroupFirst <= instance.keyGroupLast,
                      instance.keyGroupLast < maxParallelism
                else {
                    return "\(place): key groups \(instance.keyGroupFirst)...\(instance.keyGroupLast) are not a "
                        + "range inside 0..<\(maxParallelism)"
                }
                for file in instance.files {
                    if let problem = Self.problem(of: file) { return "\(place): \(problem)" }
                }
            }
        }
        return nil
    }

    /// What is wrong with a file entry: a negative size, or a path that is
    /// empty, absolute or climbs out of the checkpoint's directory with "..".
    /// ("steps/../x" stays inside: a step id may be "..".)
    static func problem(of file: SnapshotFile) -> String? {
        guard file.bytes >= 0 else { return "file '\(file.path)' has a negative size \(file.bytes)" }
        var depth = 0
        for component in file.path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 { break }
        }
        guard !file.path.isEmpty, !file.path.hasPrefix("/"), depth > 0 else {
            return "file path '\(file.path)' is not a path inside the checkpoint's directory"
        }
        return nil
    }
}
