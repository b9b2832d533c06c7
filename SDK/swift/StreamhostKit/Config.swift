import StreamhostABI

/// The step's config, as validated by the host against the component's
/// schema with the schema's defaults filled in.
///
/// Typed lookups go through the host's `config_*` functions; a key is a
/// dotted path ("csv.header"). Each type has three forms:
/// `string("path")` returns `nil` when the key is absent,
/// `string("path", default: "x")` substitutes a default, and
/// `requiredString("path")` throws `PluginError.missingConfig`. All of them
/// throw `PluginError.invalidConfig` when the key holds another JSON type.
/// Arrays are read from the raw JSON text (`strings(_:)`), because the 1.0
/// host table has no array lookup.
///
/// # Thread safety
/// Use it only inside `init(context:config:)`, on its thread: the lookups
/// are host-API calls on the instance's context.
///
/// # Ownership
/// Every value returned is a Swift copy; `json` is copied from the host's
/// borrowed text when the instance is created.
public struct Config {
    /// The config as JSON text (an object), as the host passed it to create.
    public let json: String

    /// The context whose host functions answer the lookups.
    public let context: Context

    /// Wraps the config of an instance being created; the kit makes it.
    public init(json: String, context: Context) {
        self.json = json
        self.context = context
    }

    // MARK: Strings

    /// The string at `key`, or `nil` if absent.
    public func string(_ key: String) throws -> String? {
        var out: UnsafePointer<CChar>? = nil
        let status = key.withCString { context.host.pointee.config_string!(context.rawContext, $0, &out) }
        guard try check(status, key: key, expected: "a string") else { return nil }
        return out.map { String(cString: $0) } ?? ""
    }

    /// The string at `key`, or `defaultValue` if absent.
    public func string(_ key: String, default defaultValue: String) throws -> String {
        try string(key) ?? defaultValue
    }

    /// The string at `key`; throws if absent.
    public func requiredString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw PluginError.missingConfig(key: key) }
        return value
    }

    // MARK: Integers

    /// The integer at `key`, or `nil` if absent.
    public func int(_ key: String) throws -> Int? {
        var out: Int64 = 0
        let status = key.withCString { context.host.pointee.config_int64!(context.rawContext, $0, &out) }
        guard try check(status, key: key, expected: "an integer") else { return nil }
        return Int(out)
    }

    /// The integer at `key`, or `defaultValue` if absent.
    public func int(_ key: String, default defaultValue: Int) throws -> Int {
        try int(key) ?? defaultValue
    }

    /// The integer at `key`; throws if absent.
    public func requiredInt(_ key: String) throws -> Int {
        guard let value = try int(key) else { throw PluginError.missingConfig(key: key) }
        return value
    }

    // MARK: Numbers

    /// The number at `key`, or `nil` if absent. An integer is a number too:
    /// if the host keeps integers apart (`config_double` answers
    /// `SH_WRONG_TYPE`), the kit asks `config_int64`.
    public func double(_ key: String) throws -> Double? {
        var out: Double = 0
        let status = key.withCString { context.host.pointee.config_double!(context.rawContext, $0, &out) }
        if status == Status.wrongType, let integer = try? int(key) {
            return Double(integer)
        }
        guard try check(status, key: key, expected: "a number") else { return nil }
        return out
    }

    /// The number at `key`, or `defaultValue` if absent.
    public func double(_ key: String, default defaultValue: Double) throws -> Double {
        try double(key) ?? defaultValue
    }

    /// The number at `key`; throws if absent.
    public func requiredDouble(_ key: String) throws -> Double {
        guard let value = try double(key) else { throw PluginError.missingConfig(key: key) }
        return value
    }

    // MARK: Booleans

    /// The boolean at `key`, or `nil` if absent.
    public func bool(_ key: String) throws -> Bool? {
        var out: Int32 = 0
        let status = key.withCString { context.host.pointee.config_bool!(context.rawContext, $0, &out) }
        guard try check(status, key: key, expected: "a boolean (true or false)") else { return nil }
        return out != 0
    }

    /// The boolean at `key`, or `defaultValue` if absent.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        try bool(key) ?? defaultValue
    }

    /// The boolean at `key`; throws if absent.
    public func requiredBool(_ key: String) throws -> Bool {
        guard let value = try bool(key) else { throw PluginError.missingConfig(key: key) }
        return value
    }

    // MARK: Arrays

    /// The array of strings at `key` (a dotted path), or `nil` if absent or
    /// null. Read from `json`, since the host table has no array lookup.
    public func strings(_ key: String) throws -> [String]? {
        try withRawValue(key) { value -> [String]? in
            guard let value else { return nil }
            var result: [String] = []
            var ok = value.kind == .array
            if ok {
                value.forEachElement { element in
                    guard element.kind == .string, let text = element.stringValue else {
                        ok = false
                        return
                    }
                    result.append(text)
                }
            }
            guard ok else { throw PluginError.invalidConfig(key: key, expected: "an array of strings") }
            return result
        }
    }

    /// Calls `body` with the JSON value at `key` (a dotted path) of the raw
    /// config text, or `nil` if absent or null. The view borrows the text:
    /// copy what you keep.
    public func withRawValue<Result>(_ key: String, _ body: (JSONView?) throws -> Result) throws -> Result {
        var text = json
        return try text.withUTF8 { bytes in
            let root: JSONView
            do {
                root = try JSONView(parsing: UnsafeRawBufferPointer(bytes))
            } catch {
                throw PluginError.failed("the config passed by the host is not valid JSON: \(error)")
            }
            var current: JSONView? = root
            for part in key.split(separator: ".", omittingEmptySubsequences: false) {
                guard let object = current, object.kind == .object else {
                    current = nil
                    break
                }
                current = object.member(String(part))
            }
            if let value = current, value.kind == .null { current = nil }
            return try body(current)
        }
    }

    // MARK: Internals

    /// true: found; false: absent; throws on a wrong type or a host failure.
    private func check(_ status: sh_status, key: String, expected: String) throws -> Bool {
        switch status {
        case Status.ok: return true
        case Status.notFound: return false
        case Status.wrongType: throw PluginError.invalidConfig(key: key, expected: expected)
        default: throw PluginError.host(function: "config lookup of '\(key)'", status: status, message: context.lastError)
        }
    }
}
