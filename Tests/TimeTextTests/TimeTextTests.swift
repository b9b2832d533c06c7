import Testing
import TimeText

/// The one rule for time text (epoch ms or ISO 8601 / RFC 3339, no zone
/// meaning UTC).
@Suite struct TimeTextTests {
    @Test(arguments: [
        ("1767225600000", 1_767_225_600_000),
        ("-5", -5),
        ("0", 0),
        ("2026-01-01T00:00:00Z", 1_767_225_600_000),
        ("2026-01-01T00:00:00", 1_767_225_600_000),
        ("2026-01-01 00:00:00z", 1_767_225_600_000),
        ("2026-01-01t00:00:00.5Z", 1_767_225_600_500),
        ("2026-01-01T00:00:00.250+02:00", 1_767_218_400_250),
        ("2026-01-01T00:00:00.123456789-0130", 1_767_231_000_123),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000),
        ("2000-03-01T00:00:00Z", 951_868_800_000),
    ] as [(String, Int64)])
    func readsBothForms(text: String, milliseconds: Int64) {
        #expect(TimeText.epochMilliseconds(text) == milliseconds)
    }

    @Test(arguments: [
        "", "-", "12a", "2026-01-01", "2026-01-01T00:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+2", "2026-01-01T00:00:00ZZ",
        "99999999999999999999", "1.5", " 2026-01-01T00:00:00Z",
    ])
    func refusesOtherText(text: String) {
        #expect(TimeText.epochMilliseconds(text) == nil)
    }

    @Test func theRuleNamesBothForms() {
        #expect(TimeText.rule.contains("milliseconds"))
        #expect(TimeText.rule.contains("UTC"))
    }
}
