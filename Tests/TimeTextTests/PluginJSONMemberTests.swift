import PluginSupport
import Testing

/// plugin_json_member (Plugins/common), which the log source's
/// timestamp_field finds its field with: the top-level member, past
/// nested values, strings with escapes and whitespace.
@Suite struct PluginJSONMemberTests {
    static func member(_ json: String, _ name: String = "t") -> (plugin_json_kind, String) {
        let bytes = Array(json.utf8)
        var start: UnsafePointer<UInt8>?
        var length = 0
        let kind = bytes.withUnsafeBufferPointer { plugin_json_member($0.baseAddress, $0.count, name, &start, &length) }
        guard let start, kind != PLUGIN_JSON_MISSING, kind != PLUGIN_JSON_INVALID else { return (kind, "") }
        return (kind, String(decoding: UnsafeBufferPointer(start: start, count: length), as: UTF8.self))
    }

    @Test func findsTheTopLevelMember() {
        #expect(Self.member(#"{"a":1,"t":"2026-01-01 10:00:00"}"#) == (PLUGIN_JSON_STRING, "2026-01-01 10:00:00"))
        #expect(Self.member(#" { "t" : 1767225600000 } "#) == (PLUGIN_JSON_NUMBER, "1767225600000"))
        #expect(Self.member(#"{"n":{"t":1},"l":[{"t":2},"}"],"s":"\"t\":3","t":4}"#) == (PLUGIN_JSON_NUMBER, "4"))
        #expect(Self.member(#"{"t":1,"t":2}"#) == (PLUGIN_JSON_NUMBER, "2"))
        #expect(Self.member(#"{"\u0074x":1,"t\n":2,"t":null}"#) == (PLUGIN_JSON_NULL, "null"))
        #expect(Self.member(#"{"a\"b":true}"#, "a\"b") == (PLUGIN_JSON_OTHER, "true"))
        #expect(Self.member(#"{"t":{"x":[1,2]}}"#) == (PLUGIN_JSON_OTHER, #"{"x":[1,2]}"#))
    }

    @Test func tellsMissingFromInvalid() {
        #expect(Self.member(#"{"a":1}"#).0 == PLUGIN_JSON_MISSING)
        #expect(Self.member("{}").0 == PLUGIN_JSON_MISSING)
        for bad in ["", "[1]", #""t""#, #"{"t":1"#, #"{"t":1,}"#, #"{"t" 1}"#, #"{"t":1} x"#, #"{"t":"a"#, #"{"t":nul}"#,
                    #"{"t":}"#, String(repeating: #"{"a":"#, count: 300) + "1" + String(repeating: "}", count: 300)] {
            #expect(Self.member(bad).0 == PLUGIN_JSON_INVALID, "\(bad)")
        }
    }
}
