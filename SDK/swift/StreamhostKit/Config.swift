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
/// Any other value (an array, an object) comes as JSON text from the host's
/// `config_json` (`json(_:)`), and `strings(_:)` and `withRawValue(_:_:)`
/// read arrays and objects from it, so every lookup resolves dotted paths
/// the host's way.
///
/// # Thread safety
/// Use it only inside `init(context:config:)`, on its thread: the lookups
/// are host-API calls on the instance's context.
///
/// # Ownership
/// Every value returned is a Swift copy; `json` is copied from the host's
/// borrowed text when the instance is created. `withRawValue` lends a view
/// of the host's text, which is BORROWED until the instance is destroyed.
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

    // MARK: Any JSON value

    /// The value at `key` (a dotted path) as compact JSON text, whatever its
    /// type (an array, an object, "null"...), or `nil` if absent. `nil` or ""
    /// asks for the whole config, an object.
    public func json(_ key: String?) throws -> String? {
        try withJSONText(key) { text in
            text.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    // MARK: Arrays and objects

    /// The array of strings at `key` (a dotted path), or `nil` if absent or
    /// null.
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

    /// Calls `body` with the JSON value at `key` (a dotted path; "" for the
    /// whole config), or `nil` if absent or null. The view borrows the
    /// host's text: copy what you keep.
    public func withRawValue<Result>(_ key: String, _ body: (JSONView?) throws -> Result) throws -> Result {
        try withJSONText(key) { text in
            guard let text else { return try body(nil) }
            let value: JSONView
            do {
                value = try JSONView(parsing: text)
            } catch {
                throw PluginError.failed("the host's config_json text for '\(key)' is not valid JSON: \(error)")
            }
            return try body(value.kind == .null ? nil : value)
        }
    }

    // MARK: Internals

    /// Calls `body` with the host's `config_json` text for `key` (BORROWED
    /// until destroy), or `nil` if absent.
    private func withJSONText<Result>(
        _ key: String?, _ body: (UnsafeRawBufferPointer?) throws -> Result
    ) throws -> Result {
        var out: UnsafePointer<CChar>? = nil
        var length = 0
        let status =
            if let key {
                key.withCString { context.host.pointee.config_json!(context.rawContext, $0, &out, &length) }
            } else {
                context.host.pointee.config_json!(context.rawContext, nil, &out, &length)
            }
        guard try check(status, key: key ?? "", expected: "JSON") else { return try body(nil) }
        guard let out else {
            throw PluginError.host(
                function: "config_json('\(key ?? "")')", status: status, message: "SH_OK without a text")
        }
        return try body(UnsafeRawBufferPointer(start: out, count: length))
    }

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
