import Core
import TimeText

/// Turns the points in time of a step's config into integer milliseconds
/// at plan time, so that a job file may write them as ISO 8601 text and no
/// plugin ever parses a date.
///
/// A component marks a time-valued config key in its JSON schema with
/// `"x-streamhost-time": true` (its `type` then admits `["integer",
/// "string"]`). A string there must follow `TimeText.rule`, the rule of
/// `consume --from-time`, `produce --timestamp-field` and the `file`
/// source's `timestamp_field`; the plugin gets the instant as an integer of
/// milliseconds since the Unix epoch. Other values pass unchanged, for the
/// schema to judge. Durations (`*_ms`) are not points in time and are not
/// marked.
enum TimeConfigNormalizer {
    /// The annotation keyword.
    static let keyword = "x-streamhost-time"

    /// `config` (defaults applied) with each marked string replaced by its
    /// instant in ms; a string that is not a time is refused at its place
    /// in the job file, with the rule.
    static func normalizing(_ config: JSONValue, schema: JSONValue, step: StepSpec,
                            file: String) throws(JobFileError) -> JSONValue {
        try ConfigSchemaWalk.rewriting(config, schema: schema, keyword: keyword) {
            (_, value, path) throws(JobFileError) -> JSONValue in
            guard case .string(let text) = value else { return value }
            if let milliseconds = TimeText.epochMilliseconds(text) { return .int(milliseconds) }
            let shown = text.count > 80 ? String(text.prefix(77)) + "..." : text
            throw JobFileError(
                file: file,
                location: ConfigSchemaWalk.location(of: step, at: path),
                field: ConfigSchemaWalk.field(of: step, at: path),
                message: "\"\(shown)\" is not a time: write \(TimeText.rule)")
        }
    }
}
