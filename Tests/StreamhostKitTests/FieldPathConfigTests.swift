import StreamhostKit
import Testing

/// Dotted field paths in configs are parsed once, by JSONText's
/// `JSONFieldPath`, and refused in one wording (`described(at:)`) by every
/// plugin that takes one: the window's aggregate `field`, dedup's
/// `key_field` and map's `set:` targets.
@Suite struct FieldPathConfigTests {
    static let wording = "field 'a..b': segment 2 is empty; separate keys with a single '.', as in \"customer.id\""

    /// (library, component, config, where the path was given).
    static let cases: [(String, String, [String: ConfigValue], String)] = [
        ("libstreamhost-window.so", "window", [
            "kind": .string("tumbling"), "size_ms": .int(100),
            "aggregates": .array([.object(["fn": .string("sum"), "field": .string("a..b")])]),
        ], "window: aggregates[0]: "),
        ("libstreamhost-dedup.so", "dedup", ["ttl_ms": .int(5), "key_field": .string("a..b")], "dedup: key_field: "),
        ("libstreamhost-expressions.so", "map", ["set": .object(["a..b": .string("1")])], "map: set: "),
    ]

    @Test(arguments: cases)
    func aPathWithAnEmptyKeyIsRefusedInOneWording(
        library: String, name: String, config: [String: ConfigValue], place: String
    ) throws {
        let descriptor = try builtPluginDescriptor(library)
        let harness = Harness(try #require(component(descriptor, SH_KIND_OPERATOR, name)), config: config)
        #expect(harness.create() == SH_ERROR)
        #expect(harness.lastError.contains(place + Self.wording), "\(harness.lastError)")
    }

    @Test func theWordingNamesThePlaceThePathAndTheReason() {
        do {
            _ = try JSONFieldPath(".id")
            Issue.record("accepted \".id\"")
        } catch {
            #expect(error.described(at: "key_field")
                == "key_field: field '.id': segment 1 is empty; separate keys with a single '.', as in \"customer.id\"")
        }
    }
}
