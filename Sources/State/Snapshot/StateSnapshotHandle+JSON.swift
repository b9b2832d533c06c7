import Core

/// The handle as the checkpoint manifest keeps it: compact JSON with sorted
/// keys, `entryCount` and `timerCount` left out when unknown, for example
/// `{"backend":"memory","entryCount":175,"files":[{"byteSize":11393,...}],...}`
/// (the text Foundation's encoder wrote before the host moved to its own
/// JSON, so that checkpoints written then still restore).
extension StateSnapshotHandle {
    /// The handle as compact JSON text.
    public var jsonText: String {
        var object = JSONObject()
        object["backend"] = .string(backend)
        object["entryCount"] = entryCount.map { .int(Int64($0)) }
        object["files"] = .array(files.map { file in
            .object(JSONObject([
                ("byteSize", .int(Int64(file.byteSize))), ("crc32c", .int(Int64(file.crc32c))),
                ("isNew", .bool(file.isNew)), ("relativePath", .string(file.relativePath)),
            ]))
        })
        object["firstKeyGroup"] = .int(Int64(firstKeyGroup))
        object["format"] = .string(format.rawValue)
        object["formatName"] = .string(formatName)
        object["formatVersion"] = .int(Int64(formatVersion))
        object["lastKeyGroup"] = .int(Int64(lastKeyGroup))
        object["newBytes"] = .int(Int64(newBytes))
        object["states"] = .array(states.map { state in
            .object(JSONObject([("kind", .string(state.kind)), ("name", .string(state.name)), ("ttlMs", .int(state.ttlMs))]))
        })
        object["timerCount"] = timerCount.map { .int(Int64($0)) }
        object["totalBytes"] = .int(Int64(totalBytes))
        return JSONValue.object(object).serialized()
    }

    /// Reads a handle from `jsonText`'s form. The byte totals are worked out
    /// from the files again and must match the stored ones.
    public init(jsonText text: String) throws(JSONFieldError) {
        let fields = try JSONFields(parsing: Array(text.utf8))
        let first: Int = try fields.read("firstKeyGroup")
        let last: Int = try fields.read("lastKeyGroup")
        guard first <= last else {
            throw JSONFieldError(path: "lastKeyGroup", problem: "is \(last), below firstKeyGroup \(first)")
        }
        var files: [File] = []
        for file in try fields.objects("files") {
            files.append(File(relativePath: try file.read("relativePath"), byteSize: try file.read("byteSize"),
                              crc32c: try file.read("crc32c"), isNew: try file.read("isNew")))
        }
        var states: [State] = []
        for state in try fields.objects("states") {
            states.append(State(name: try state.read("name"), kind: try state.read("kind"), ttlMs: try state.read("ttlMs")))
        }
        self.init(format: try fields.read("format"), formatName: try fields.read("formatName"),
                  formatVersion: try fields.read("formatVersion"), backend: try fields.read("backend"),
                  keyGroups: first...last, files: files, states: states,
                  entryCount: try fields.readIfPresent("entryCount"), timerCount: try fields.readIfPresent("timerCount"))
        for (key, computed) in [("totalBytes", totalBytes), ("newBytes", newBytes)] {
            let stored: Int = try fields.read(key)
            guard stored == computed else {
                throw JSONFieldError(path: key, problem: "is \(stored), but the files listed add up to \(computed)")
            }
        }
    }
}

extension StateSnapshotHandle.State {
    init(name: String, kind: String, ttlMs: Int64) {
        self.name = name
        self.kind = kind
        self.ttlMs = ttlMs
    }
}
