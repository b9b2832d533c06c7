import Core

/// `TopicConfig` as a JSON object keyed by the Kafka names: numbers for
/// numeric keys (`min.cleanable.dirty.ratio` a decimal), strings for the
/// others, in sorted order, for example
/// `{"cleanup.policy": "delete", "retention.ms": 604800000, …}`.
///
/// Reading starts from the defaults (a key missing from an older file keeps
/// its default) and sends every value through `parse(key:value:)`, so a file
/// edited by hand is validated like a command-line change; an unknown key or
/// a bad value fails with the `LogError.invalidConfig` message.
extension TopicConfig {
    private static let stringKeys: Set<String> = ["cleanup.policy", "flush.mode", "message.timestamp.type"]
    private static let decimalKeys: Set<String> = ["min.cleanable.dirty.ratio"]

    /// The config as a JSON object.
    public var json: JSONValue {
        var object = JSONObject()
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            // Written only when not the default: a topic that does not use
            // it keeps the bytes, and opens in, hosts from before the key.
            if key == "message.timestamp.type", messageTimestampType != .logAppendTime { continue }
            if Self.stringKeys.contains(key) {
                object[key] = .string(value)
            } else if Self.decimalKeys.contains(key) {
                object[key] = .double(Double(value)!)
            } else {
                object[key] = .int(Int64(value)!)
            }
        }
        return .object(object)
    }

    /// Reads a config from its JSON object.
    public init(json: JSONValue) throws(LogError) {
        self.init()
        guard case .object(let object) = json else {
            throw .invalidConfig(key: "config", value: json.serialized(), allowed: "expected an object of keys and values")
        }
        for key in object.keys.sorted() {
            let value: String
            switch object[key]! {
            case .int(let number): value = String(number)
            // An integral number written with a fraction or exponent reads
            // as the integer, as Foundation's decoder read it.
            case .double(let number): value = JSONNumberText.int64(exactly: number).map { String($0) } ?? String(number)
            case .string(let text): value = text
            case let other:
                throw .invalidConfig(key: key, value: other.serialized(), allowed: "expected a number or a string")
            }
            try parse(key: key, value: value)
        }
    }
}
