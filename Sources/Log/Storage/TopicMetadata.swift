import Core

/// What `<data>/topics/<name>/config.json` holds: the partition count and
/// the topic's config, pretty-printed with sorted keys (the layout
/// Foundation's encoder gave it before the host moved to its own JSON, so
/// that files written then still open, and people can edit them).
///
///     {
///       "config" : { "cleanup.policy" : "delete", "retention.ms" : 604800000, … },
///       "partitions" : 4,
///       "version" : 1
///     }
///
/// # Thread safety
/// A value type.
struct TopicMetadata: Equatable {
    /// The file format's version; a newer one is refused rather than misread.
    static let currentVersion = 1
    static let fileName = "config.json"

    var version: Int
    var partitions: Int
    var config: TopicConfig

    init(partitions: Int, config: TopicConfig) {
        self.version = Self.currentVersion
        self.partitions = partitions
        self.config = config
    }

    /// The file's bytes, ending with a newline.
    var fileBytes: [UInt8] {
        let object: JSONObject = [
            "config": config.json, "partitions": .int(Int64(partitions)), "version": .int(Int64(version)),
        ]
        return JSONValue.object(object).prettySerializedBytes() + [UInt8(ascii: "\n")]
    }

    /// Reads the file's bytes; `path` names the file in errors, which are
    /// all `LogError.corruptMetadata`.
    init(fileBytes bytes: [UInt8], path: String) throws(LogError) {
        let config: JSONValue
        do throws(JSONFieldError) {
            let fields = try JSONFields(parsing: bytes)
            version = try fields.read("version")
            partitions = try fields.read("partitions")
            guard let value = fields.object["config"], !value.isNull else {
                throw JSONFieldError(path: "config", problem: "is missing")
            }
            config = value
        } catch {
            throw .corruptMetadata(path: path, detail: "not the expected JSON: \(error)")
        }
        do {
            self.config = try TopicConfig(json: config)
        } catch {
            throw .corruptMetadata(path: path, detail: error.description)
        }
    }
}
