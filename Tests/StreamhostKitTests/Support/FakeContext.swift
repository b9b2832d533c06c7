import Columns
import Foundation
import StreamhostKit

/// A config value of the fake host.
enum ConfigValue {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case strings([String])
    case array([ConfigValue])
    case object([String: ConfigValue])
    case null

    /// Compact JSON, object members sorted by name (like the host's
    /// `config_json`, which is compact too).
    var json: String {
        switch self {
        case .string(let text): FakeContext.quote(text)
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .strings(let values): "[" + values.map(FakeContext.quote).joined(separator: ",") + "]"
        case .array(let values): "[" + values.map(\.json).joined(separator: ",") + "]"
        case .object(let members): ConfigValue.objectJSON(members)
        case .null: "null"
        }
    }

    static func objectJSON(_ members: [String: ConfigValue]) -> String {
        "{" + members.sorted { $0.key < $1.key }.map { "\(FakeContext.quote($0.key)):\($0.value.json)" }
            .joined(separator: ",") + "}"
    }
}

/// A record as the fake host saw it (copied).
struct SeenRecord: Equatable, CustomStringConvertible {
    var timestamp: Int64
    var key: [UInt8]?
    var value: [UInt8]?

    init(timestamp: Int64 = 0, key: [UInt8]?, value: [UInt8]?) {
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }

    init(timestamp: Int64 = 0, key: String? = nil, value: String?) {
        self.init(timestamp: timestamp, key: key.map { Array($0.utf8) }, value: value.map { Array($0.utf8) })
    }

    init(_ record: sh_record) {
        timestamp = record.timestamp
        key = record.key.map { Array(UnsafeBufferPointer(start: $0, count: record.key_len)) }
        value = record.value.map { Array(UnsafeBufferPointer(start: $0, count: record.value_len)) }
    }

    var valueText: String? { value.map { String(decoding: $0, as: UTF8.self) } }
    var keyText: String? { key.map { String(decoding: $0, as: UTF8.self) } }

    var description: String { "(\(timestamp), \(keyText ?? "nil"), \(valueText ?? "nil"))" }
}

/// The host's side of one fake instance: what the component emitted,
/// rejected, logged and counted, and the config it reads.
///
/// Its address is the `sh_ctx *` handed to the component.
final class FakeContext {
    var config: [String: ConfigValue]
    var emitted: [SeenRecord] = []
    /// What emit_columns got: the schema, the values, the selection and
    /// the rows' timestamps.
    var emittedColumns: [(schema: Schema, values: Column, selection: [UInt32]?, timestamps: [Int64])] = []
    var rejected: [(record: SeenRecord, reason: String)] = []
    var errors: [String] = []
    var logs: [(level: sh_log_level, message: String)] = []
    var counterNames: [String] = []
    var counterValues: [Int64] = []
    var wakeups = 0
    var processingTime: Int64 = 1_700_000_000_000
    var watermark: Int64 = .min
    /// Records sent with emit_side, with the output's name.
    var sideOutputs: [(output: String, record: SeenRecord)] = []
    /// Keyed state and timers (state_*, timer_*).
    private(set) lazy var keyedState = FakeKeyedState { [unowned self] in self.processingTime }
    /// What emit and emit_batch return (with `hostError` as last_error).
    var emitStatus = sh_status(SH_OK)
    var hostError = ""

    private var lastErrorText: UnsafeMutablePointer<CChar>?
    private var borrowedStrings: [UnsafeMutablePointer<CChar>] = []

    init(config: [String: ConfigValue] = [:]) {
        self.config = config
    }

    deinit {
        for pointer in borrowedStrings { free(pointer) }
        free(lastErrorText)
    }

    var raw: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ ctx: OpaquePointer?) -> FakeContext {
        Unmanaged<FakeContext>.fromOpaque(UnsafeRawPointer(ctx!)).takeUnretainedValue()
    }

    /// A kit context over this fake.
    var context: Context { Context(rawContext: raw, host: FakeHost.table) }

    var emittedValues: [String] { emitted.compactMap(\.valueText) }

    func configJSON() -> String {
        ConfigValue.objectJSON(config)
    }

    /// The config value at a dotted path ("csv.columns"), as the host
    /// resolves keys; `nil` if absent.
    func configValue(at key: String) -> ConfigValue? {
        var current = ConfigValue.object(config)
        for part in key.split(separator: ".", omittingEmptySubsequences: false) {
            guard case .object(let members) = current, let next = members[String(part)] else { return nil }
            current = next
        }
        return current
    }

    /// Keeps a C string alive until the instance goes (BORROWED until destroy).
    func borrow(_ text: String) -> UnsafePointer<CChar> {
        let pointer = strdup(text)!
        borrowedStrings.append(pointer)
        return UnsafePointer(pointer)
    }

    func lastErrorPointer() -> UnsafePointer<CChar> {
        free(lastErrorText)
        lastErrorText = strdup(hostError)
        return UnsafePointer(lastErrorText!)
    }

    static func quote(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
