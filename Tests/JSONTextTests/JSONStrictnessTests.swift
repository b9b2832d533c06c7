import Core
import Foundation
import JSONText
import StreamhostKit
import Testing

/// The one strictness rule (docs/ARCHITECTURE.md, "JSON"), checked once for
/// every reader against the same corpus: Tests/JSONTextTests/Corpus holds
/// JSONTestSuite-style cases written from the published rules, `y_` (must
/// be accepted), `n_` (must be refused) and `i_` (RFC 8259 leaves the choice
/// to the implementation; `implementationDefined` records ours).
@Suite struct JSONStrictnessTests {
    /// What every reader does with one `i_` case.
    enum Decision {
        case accepted
        case refused
        /// Duplicate member names: the tree parser refuses them (a tree
        /// cannot keep both, and a lookup that stops at the first must not
        /// disagree with it silently); validation without a tree and
        /// lookups do not look for them, and a lookup finds the first.
        case refusedByTheTreeParserOnly
    }

    static let implementationDefined: [String: Decision] = [
        // Numbers: finite as a Double; underflow to zero and lost digits
        // are accepted.
        "i_number_huge_exp": .refused,
        "i_number_pos_double_huge_exp": .refused,
        "i_number_neg_int_huge_exp": .refused,
        "i_number_real_underflow": .accepted,
        "i_number_too_big_pos_int": .accepted,
        "i_number_very_big_negative_int": .accepted,
        // Strings: well-formed UTF-8, and \u escapes that pair surrogates.
        "i_object_key_lone_2nd_surrogate": .refused,
        "i_string_1st_surrogate_but_2nd_missing": .refused,
        "i_string_incomplete_surrogate_pair": .refused,
        "i_string_invalid_lonely_surrogate": .refused,
        "i_string_inverted_surrogates_U+1D11E": .refused,
        "i_string_invalid_utf-8": .refused,
        "i_string_lone_utf8_continuation_byte": .refused,
        "i_string_overlong_sequence_2_bytes": .refused,
        "i_string_UTF-16LE_with_BOM": .refused,
        "i_string_UTF8_surrogate_U+D800": .refused,
        "i_string_truncated-utf-8": .refused,
        // A UTF-8 byte order mark before the text is skipped (RFC 8259 8.1).
        "i_structure_UTF-8_BOM_empty_object": .accepted,
        // Nesting: at most JSONLimits.nestingDepthMax (512) levels.
        "i_structure_500_nested_arrays": .accepted,
        "i_structure_513_nested_arrays": .refused,
        "i_object_duplicated_key": .refusedByTheTreeParserOnly,
        "i_object_duplicated_key_and_value": .refusedByTheTreeParserOnly,
    ]

    /// Cases whose fault lies after a complete value: a lookup stops at the
    /// end of the value it walks and does not read there, by design.
    static let faultAfterTheValue: Set<String> = [
        "n_object_trailing_comment", "n_object_with_trailing_garbage", "n_structure_trailing_#",
        "n_array_comma_after_close", "n_array_extra_close", "n_structure_double_array",
        "n_structure_close_unopened_array",
    ]

    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        var description: String { name }
    }

    static let corpus: [Case] = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { file in
            let data = (try? Data(contentsOf: directory.appendingPathComponent(file))) ?? Data()
            return Case(name: String(file.dropLast(".json".count)), bytes: [UInt8](data))
        }
    }()

    /// Whether each reader accepts the text: the host's tree parser, the
    /// scanner's validation and the plugin kit's view.
    struct Verdicts: Equatable {
        var treeParser: Bool
        var validation: Bool
        var kitView: Bool
    }

    static func verdicts(_ bytes: [UInt8]) -> Verdicts {
        bytes.withUnsafeBytes { text in
            Verdicts(
                treeParser: (try? JSONValue.parse(bytes: text)) != nil,
                validation: (try? JSONScanner.validate(text)) != nil,
                kitView: (try? JSONView(parsing: text)) != nil)
        }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.corpus.count > 150)
        #expect(Self.corpus.filter { $0.name.hasPrefix("i_") }.count == Self.implementationDefined.count)
    }

    @Test(arguments: JSONStrictnessTests.corpus.filter { $0.name.hasPrefix("y_") })
    func mustBeAccepted(_ item: Case) {
        #expect(Self.verdicts(item.bytes) == Verdicts(treeParser: true, validation: true, kitView: true))
        lookupAgrees(item, valid: true)
    }

    @Test(arguments: JSONStrictnessTests.corpus.filter { $0.name.hasPrefix("n_") })
    func mustBeRefused(_ item: Case) {
        #expect(Self.verdicts(item.bytes) == Verdicts(treeParser: false, validation: false, kitView: false))
        if !Self.faultAfterTheValue.contains(item.name) { lookupAgrees(item, valid: false) }
    }

    @Test(arguments: JSONStrictnessTests.corpus.filter { $0.name.hasPrefix("i_") })
    func implementationDefinedAsDecided(_ item: Case) throws {
        let decision = try #require(Self.implementationDefined[item.name], "no decision for \(item.name)")
        let verdicts = Self.verdicts(item.bytes)
        switch decision {
        case .accepted:
            #expect(verdicts == Verdicts(treeParser: true, validation: true, kitView: true))
            lookupAgrees(item, valid: true)
        case .refused:
            #expect(verdicts == Verdicts(treeParser: false, validation: false, kitView: false))
            lookupAgrees(item, valid: false)
        case .refusedByTheTreeParserOnly:
            #expect(verdicts == Verdicts(treeParser: false, validation: true, kitView: true))
            lookupAgrees(item, valid: true)
        }
    }

    /// A lookup of an absent member walks a whole object document, so it
    /// must agree with validation: `.missing` for a valid object,
    /// `.malformed` for a broken one; for other documents it must not claim
    /// an object.
    func lookupAgrees(_ item: Case, valid: Bool) {
        let path = try! JSONFieldPath("absent")
        let result = item.bytes.withUnsafeBytes { JSONScanner.find(path, in: $0) }
        switch result {
        case .missing:
            #expect(valid, "\(item.name): a lookup walked the whole object and saw no fault")
        case .malformed:
            #expect(!valid, "\(item.name): a lookup refused a valid text")
        case .notAnObject:
            break  // Not an object: the lookup reads no further, by design.
        case .found:
            Issue.record("\(item.name): found a member that no case holds")
        }
    }

    @Test func duplicateMembersFirstWinsInLookups() throws {
        let path = try JSONFieldPath("a")
        let text = Array(#"{"a":1,"a":2}"#.utf8)
        let result = text.withUnsafeBytes { JSONScanner.find(path, in: $0) }
        #expect(result == .found(kind: .number, range: 5..<6))
    }

    @Test func numbersOutOfRangeAreRefusedWhereverTheyAre() throws {
        let path = try JSONFieldPath("b")
        for text in [#"{"a":1e400,"b":1}"#, #"{"a":[-2e308],"b":1}"#, #"{"a":1\#(String(repeating: "0", count: 400)),"b":1}"#] {
            let bytes = Array(text.utf8)
            let result = bytes.withUnsafeBytes { JSONScanner.find(path, in: $0) }
            #expect(result == .malformed(offset: text.hasPrefix(#"{"a":["#) ? 6 : 5), "\(text)")
            let message = bytes.withUnsafeBytes { text -> String? in
                do throws(JSONSyntaxError) {
                    _ = try JSONScanner.validate(text)
                    return nil
                } catch {
                    return error.message
                }
            }
            #expect(message == "number too large for a 64-bit floating-point value")
        }
        // Tiny numbers round to zero and are accepted, as are long fractions.
        #expect(Self.verdicts(Array("[1e-400, 0.\(String(repeating: "1", count: 400))]".utf8)).validation)
    }
}
