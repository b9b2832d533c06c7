/// `TopicConfig` as a JSON object keyed by the Kafka names: numbers for
/// numeric keys (`min.cleanable.dirty.ratio` a decimal), strings for the
/// others, for example
/// `{"cleanup.policy": "delete", "retention.ms": 604800000, …}`.
///
/// Decoding starts from the defaults (a key missing from an older file keeps
/// its default) and sends every value through `parse(key:value:)`, so a file
/// edited by hand is validated like a command-line change; an unknown key or
/// a bad value fails with the `LogError.invalidConfig` message.
extension TopicConfig: Codable {
    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static let stringKeys: Set<String> = ["cleanup.policy", "flush.mode"]
    private static let decimalKeys: Set<String> = ["min.cleanable.dirty.ratio"]

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            let value: String
            if let number = try? container.decode(Int64.self, forKey: key) {
                value = String(number)
            } else if let number = try? container.decode(Double.self, forKey: key) {
                value = String(number)
            } else {
                value = try container.decode(String.self, forKey: key)
            }
            try parse(key: key.stringValue, value: value)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in properties {
            if Self.stringKeys.contains(key) {
                try container.encode(value, forKey: Key(stringValue: key))
            } else if Self.decimalKeys.contains(key) {
                try container.encode(Double(value)!, forKey: Key(stringValue: key))
            } else {
                try container.encode(Int64(value)!, forKey: Key(stringValue: key))
            }
        }
    }
}
