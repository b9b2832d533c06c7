import PluginSupport
import Testing
import TimeText

/// The C plugins' copy of the time text rule (plugin_time_text_ms, which
/// the log source's timestamp_field reads with) gives what TimeText gives,
/// over the rule's cases and thousands of mutations of them.
@Suite struct PluginTimeTextTests {
    static let cases = [
        "1767225600000", "-5", "0", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "2026-01-01 00:00:00z",
        "2026-01-01t00:00:00.5Z", "2026-01-01T00:00:00.250+02:00", "2026-01-01T00:00:00.123456789-0130",
        "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "2024-02-29T12:00:00Z", "2000-03-01T00:00:00Z",
        "2026-01-01 10:05:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:60+23:59",
        "", "-", "12a", "2026-01-01", "2026-01-01T00:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+2", "2026-01-01T00:00:00ZZ",
        "99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775807", "1.5",
        " 2026-01-01T00:00:00Z", "2026-01-01T00:00:00" + String(repeating: "1", count: 64),
        "2026-01-01T00:00:00." + String(repeating: "1", count: 65),
    ]

    static func c(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var out: Int64 = 0
        let found = bytes.withUnsafeBufferPointer { plugin_time_text_ms($0.baseAddress, $0.count, &out) }
        return found != 0 ? out : nil
    }

    @Test func theCCopyReadsTheRulesCasesAsTimeText() {
        for text in Self.cases {
            #expect(Self.c(text) == TimeText.epochMilliseconds(text), "\(text)")
        }
    }

    @Test func theCCopyAgreesWithTimeTextOnMutations() {
        let alphabet = Array("0123456789-+:.,TtZz 9".utf8)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var disagreements: [String] = []
        for _ in 0..<20_000 {
            var bytes = Array(Self.cases[next() % Self.cases.count].utf8)
            for _ in 0...(next() % 3) {
                let position = bytes.isEmpty ? 0 : next() % (bytes.count + 1)
                switch next() % 3 {
                case 0: bytes.insert(alphabet[next() % alphabet.count], at: position)
                case 1: if position < bytes.count { bytes.remove(at: position) }
                default: if position < bytes.count { bytes[position] = alphabet[next() % alphabet.count] }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if Self.c(text) != TimeText.epochMilliseconds(text) { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test func theCRuleTextIsTimeTextsRule() {
        #expect(String(cString: plugin_time_text_rule()) == TimeText.rule)
    }
}
