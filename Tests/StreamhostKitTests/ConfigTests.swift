import StreamhostKit
import Testing

@Suite struct ConfigTests {
    /// Runs body with a config over a fake host holding values; the fake
    /// lives until body returns.
    func withConfig(_ values: [String: ConfigValue], _ body: (Config) throws -> Void) rethrows {
        let fake = FakeContext(config: values)
        try withExtendedLifetime(fake) { try body(Config(json: fake.configJSON(), context: fake.context)) }
    }

    @Test func typedLookupsReturnValues() throws {
        try withConfig([
            "path": .string("/tmp/x"), "count": .int(12), "ratio": .double(0.5), "flag": .bool(true),
            "off": .bool(false),
        ]) { (config: Config) throws in
            #expect(try config.string("path") == "/tmp/x")
            #expect(try config.requiredString("path") == "/tmp/x")
            #expect(try config.int("count") == 12)
            #expect(try config.requiredInt("count") == 12)
            #expect(try config.double("ratio") == 0.5)
            #expect(try config.requiredDouble("ratio") == 0.5)
            #expect(try config.bool("flag") == true)
            #expect(try config.requiredBool("off") == false)
        }
    }

    @Test func absentKeysAreNilOrDefaultOrAnError() throws {
        try withConfig([:]) { (config: Config) throws in
            #expect(try config.string("path") == nil)
            #expect(try config.int("count") == nil)
            #expect(try config.double("ratio") == nil)
            #expect(try config.bool("flag") == nil)
            #expect(try config.string("path", default: "d") == "d")
            #expect(try config.int("count", default: 3) == 3)
            #expect(try config.double("ratio", default: 1.5) == 1.5)
            #expect(try config.bool("flag", default: true) == true)
            #expect(throws: PluginError.missingConfig(key: "path")) { try config.requiredString("path") }
            #expect(throws: PluginError.missingConfig(key: "count")) { try config.requiredInt("count") }
            #expect(throws: PluginError.missingConfig(key: "ratio")) { try config.requiredDouble("ratio") }
            #expect(throws: PluginError.missingConfig(key: "flag")) { try config.requiredBool("flag") }
        }
    }

    @Test func wrongTypesThrowWithTheExpectedType() throws {
        try withConfig(["path": .int(1), "count": .string("x"), "flag": .string("yes")]) { (config: Config) throws in
            #expect(throws: PluginError.invalidConfig(key: "path", expected: "a string")) { try config.string("path") }
            #expect(throws: PluginError.invalidConfig(key: "count", expected: "an integer")) { try config.int("count") }
            #expect(throws: PluginError.invalidConfig(key: "count", expected: "a number")) { try config.double("count") }
            #expect(throws: PluginError.invalidConfig(key: "flag", expected: "a boolean (true or false)")) {
                try config.bool("flag")
            }
            #expect(
                PluginError.invalidConfig(key: "count", expected: "an integer").description
                    == "config key 'count' must be an integer")
        }
    }

    @Test func doubleAcceptsIntegers() throws {
        // The fake host answers SH_WRONG_TYPE to config_double for an integer.
        try withConfig(["min": .int(500)]) { (config: Config) throws in
            #expect(try config.double("min") == 500)
        }
    }

    @Test func arraysComeFromTheHostsConfigJSON() throws {
        let fake = FakeContext(config: ["columns": .strings(["a", "b\"c", "é"]), "n": .int(1), "name": .string("x")])
        try withExtendedLifetime(fake) { () throws in
            // The text given to create says nothing of the columns: the kit
            // must ask the host (config_json), not re-parse it.
            let config = Config(json: "{}", context: fake.context)
            #expect(try config.strings("columns") == ["a", "b\"c", "é"])
            #expect(try config.strings("absent") == nil)
            #expect(throws: PluginError.invalidConfig(key: "n", expected: "an array of strings")) {
                try config.strings("n")
            }
            #expect(config.json == "{}")
        }
    }

    @Test func jsonReturnsAnyValueAsCompactText() throws {
        try withConfig([
            "columns": .strings(["a", "b\"c"]),
            "csv": .object(["xs": .array([.int(1), .double(2.5), .string("x"), .null]), "header": .bool(false)]),
            "n": .int(7),
            "none": .null,
        ]) { (config: Config) throws in
            #expect(try config.json("columns") == #"["a","b\"c"]"#)
            #expect(try config.json("csv.xs") == #"[1,2.5,"x",null]"#)
            #expect(try config.json("csv") == #"{"header":false,"xs":[1,2.5,"x",null]}"#)
            #expect(try config.json("n") == "7")
            #expect(try config.json("none") == "null")
            #expect(try config.json("absent") == nil)
            #expect(try config.json("csv.absent") == nil)
            let whole = #"{"columns":["a","b\"c"],"csv":{"header":false,"xs":[1,2.5,"x",null]},"n":7,"none":null}"#
            #expect(try config.json(nil) == whole)
            #expect(try config.json("") == whole)
            // Dotted paths reach the typed lookups as well.
            #expect(try config.bool("csv.header") == false)
        }
    }

    @Test func jsonPassesHostFailuresOn() throws {
        let failing = FakeHost.make { table in
            table.config_json = { _, _, _, _ in sh_status(SH_INVALID) }
        }
        let fake = FakeContext()
        fake.hostError = "bad key"
        try withExtendedLifetime(fake) { () throws in
            let config = Config(json: "{}", context: Context(rawContext: fake.raw, host: failing))
            #expect(throws: PluginError.host(function: "config lookup of 'columns'", status: sh_status(SH_INVALID), message: "bad key")) {
                try config.json("columns")
            }
        }
    }

    @Test func dottedPathsReachNestedRawValues() throws {
        try withConfig(["csv": .object(["columns": .strings(["x", "y"]), "n": .null])]) { (config: Config) throws in
            #expect(try config.strings("csv.columns") == ["x", "y"])
            #expect(try config.strings("csv.n") == nil)
            #expect(try config.strings("csv.missing.deeper") == nil)
            let kind = try config.withRawValue("csv") { $0?.kind }
            #expect(kind == .object)
            let count = try config.withRawValue("csv.columns") { value -> Int in
                var count = 0
                value?.forEachElement { _ in count += 1 }
                return count
            }
            #expect(count == 2)
        }
    }
}
