import Core

/// The manifest as JSON: one object per value, keys named after the
/// properties and written in sorted order, optional values left out when
/// absent, for example
///
///     {
///       "checkpointID" : 7,
///       "formatVersion" : 1,
///       "jobName" : "orders",
///       "kind" : "checkpoint",
///       ...
///
/// This is the layout Foundation's `JSONEncoder` (pretty, sorted keys) gave
/// manifests before the host moved to its own JSON (docs/ARCHITECTURE.md,
/// "JSON"), so that checkpoints and savepoints written then still restore;
/// the one difference, "/" no longer written as "\/", is the same string
/// to a JSON reader.
extension CheckpointManifest {
    /// The manifest as a JSON value.
    public var json: JSONValue {
        .object(JSONObject([
            ("checkpointID", .int(checkpointID)),
            ("formatVersion", .int(Int64(formatVersion))),
            ("jobName", .string(jobName)),
            ("kind", .string(kind.rawValue)),
            ("maxParallelism", .int(Int64(maxParallelism))),
            ("stateBackend", .string(stateBackend)),
            ("steps", .array(steps.map(\.json))),
            ("triggeredAtMs", .int(triggeredAtMs)),
        ]))
    }

    /// Reads a manifest from its JSON.
    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(
            kind: try fields.read("kind"), jobName: try fields.read("jobName"),
            checkpointID: try fields.read("checkpointID"), triggeredAtMs: try fields.read("triggeredAtMs"),
            maxParallelism: try fields.read("maxParallelism"), stateBackend: try fields.read("stateBackend"),
            steps: try fields.objects("steps").map { (step) throws(JSONFieldError) in try StepSnapshot(json: step) })
        formatVersion = try fields.read("formatVersion")
    }
}

extension StepSnapshot {
    var json: JSONValue {
        // pluginBuild only for a swap's copy: manifests of other builds
        // stay as before. Keys in sorted order, as everywhere here.
        var pairs: [(String, JSONValue)] = [
            ("componentName", .string(componentName)),
            ("instances", .array(instances.map(\.json))),
            ("parallelism", .int(Int64(parallelism))),
        ]
        if let pluginBuild { pairs.append(("pluginBuild", .string(pluginBuild))) }
        pairs += [
            ("pluginName", .string(pluginName)),
            ("pluginVersion", .string(pluginVersion)),
            ("stateVersion", .int(Int64(stateVersion))),
            ("stepID", .string(stepID)),
        ]
        return .object(JSONObject(pairs))
    }

    init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(
            stepID: try fields.read("stepID"), componentName: try fields.read("componentName"),
            pluginName: try fields.read("pluginName"), pluginVersion: try fields.read("pluginVersion"),
            pluginBuild: try fields.readIfPresent("pluginBuild"), stateVersion: try fields.read("stateVersion"), parallelism: try fields.read("parallelism"),
            instances: try fields.objects("instances").map { (instance) throws(JSONFieldError) in
                try InstanceSnapshot(json: instance)
            })
    }
}

extension InstanceSnapshot {
    var json: JSONValue {
        var object = JSONObject()
        object["blob"] = blob?.json
        object["instance"] = .int(Int64(instance))
        object["keyGroupFirst"] = .int(Int64(keyGroupFirst))
        object["keyGroupLast"] = .int(Int64(keyGroupLast))
        object["keyedState"] = keyedState.map { .string($0) }
        object["keyedStateFiles"] = .array(keyedStateFiles.map(\.json))
        return .object(object)
    }

    init(json fields: JSONFields) throws(JSONFieldError) {
        let first: Int = try fields.read("keyGroupFirst")
        let last: Int = try fields.read("keyGroupLast")
        guard first <= last else {
            throw JSONFieldError(path: "\(fields.path).keyGroupLast", problem: "is \(last), below keyGroupFirst \(first)")
        }
        self.init(
            instance: try fields.read("instance"), keyGroups: first...last,
            blob: try fields.objectIfPresent("blob").map { (blob) throws(JSONFieldError) in try SnapshotFile(json: blob) },
            keyedState: try fields.readIfPresent("keyedState"),
            keyedStateFiles: try fields.objects("keyedStateFiles").map { (file) throws(JSONFieldError) in
                try SnapshotFile(json: file)
            })
    }
}

extension SnapshotFile {
    var json: JSONValue {
        .object(JSONObject([("bytes", .int(Int64(bytes))), ("crc32c", .int(Int64(crc32c))), ("path", .string(path))]))
    }

    init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(path: try fields.read("path"), bytes: try fields.read("bytes"), crc32c: try fields.read("crc32c"))
    }
}
