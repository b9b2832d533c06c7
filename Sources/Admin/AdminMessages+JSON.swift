import Core

/// Admin requests and responses as one line of JSON each, keys named after
/// the properties, absent values left out: `{"command":"swap","plugin":"/p.so"}`,
/// `{"job":"orders","ok":true,"savepoint":"..."}`. Keys a side does not know
/// are ignored, so that an older client and a newer host still talk.
extension AdminRequest {
    /// The request as compact JSON (one line).
    public var jsonBytes: [UInt8] {
        var object = JSONObject()
        object["command"] = .string(command.rawValue)
        object["plugin"] = plugin.map { .string($0) }
        object["stop"] = stop.map { .bool($0) }
        return JSONValue.object(object).serializedBytes()
    }

    /// Reads a request from its JSON.
    public init(jsonBytes bytes: [UInt8]) throws(JSONFieldError) {
        let fields = try JSONFields(parsing: bytes)
        self.init(command: try fields.read("command"), stop: try fields.readIfPresent("stop"),
                  plugin: try fields.readIfPresent("plugin"))
    }
}

extension AdminResponse {
    /// The response as compact JSON (one line).
    public var jsonBytes: [UInt8] {
        var object = JSONObject()
        object["checkpointID"] = checkpointID.map { .int($0) }
        object["checkpointsCompleted"] = checkpointsCompleted.map { .int(Int64($0)) }
        object["durationMs"] = durationMs.map { .double($0) }
        object["error"] = error.map { .string($0) }
        object["job"] = job.map { .string($0) }
        object["ok"] = .bool(ok)
        object["pauseMs"] = pauseMs.map { .double($0) }
        object["savepoint"] = savepoint.map { .string($0) }
        return JSONValue.object(object).serializedBytes()
    }

    /// Reads a response from its JSON.
    public init(jsonBytes bytes: [UInt8]) throws(JSONFieldError) {
        let fields = try JSONFields(parsing: bytes)
        self.init(ok: try fields.read("ok"), error: try fields.readIfPresent("error"))
        job = try fields.readIfPresent("job")
        savepoint = try fields.readIfPresent("savepoint")
        checkpointID = try fields.readIfPresent("checkpointID")
        durationMs = try fields.readIfPresent("durationMs")
        pauseMs = try fields.readIfPresent("pauseMs")
        checkpointsCompleted = try fields.readIfPresent("checkpointsCompleted")
    }
}
