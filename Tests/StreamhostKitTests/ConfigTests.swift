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

    @Test func arraysComeFromTheRawJSON() throws {
        try withConfig(["columns": .strings(["a", "b\"c", "é"]), "n": .int(1), "name": .string("x")]) { (config: Config) throws in
            #expect(try config.strings("columns") == ["a", "b\"c", "é"])
            #expect(try config.strings("absent") == nil)
            #expect(throws: PluginError.invalidConfig(key: "n", expected: "an array of strings")) {
                try config.strings("n")
            }
            #expect(config.json.hasPrefix("{"))
        }
    }

    @Test func dottedPathsReachNestedRawValues() throws {
        let fake = FakeContext()
        try withExtendedLifetime(fake) {
            let config = Config(json: #"{"csv":{"columns":["x","y"],"n":null}}"#, context: fake.context)
            #expect(try config.strings("csv.columns") == ["x", "y"])
            #expect(try config.strings("csv.n") == nil)
            #expect(try config.strings("csv.missing.deeper") == nil)
            let kind = try config.withRawValue("csv") { $0?.kind }
            #expect(kind == .object)
        }
    }
}
