import Expressions
import Foundation
import JSONText
import Testing

/// The expressions read records under the one JSON rule: on every case of
/// the shared corpus (Tests/JSONTextTests/Corpus), loading a record for an
/// expression that looks up an absent field (so the whole object is
/// walked) fails exactly when JSONText's validation refuses the text, or
/// when the text is not an object. Duplicate member names are the one
/// documented difference: the expressions take the last, validation does
/// not look for them.
@Suite struct RecordStrictnessTests {
    static let corpus: [(name: String, bytes: [UInt8])] = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("JSONTextTests/Corpus")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { file in
            (String(file.dropLast(5)), [UInt8]((try? Data(contentsOf: directory.appendingPathComponent(file))) ?? Data()))
        }
    }()

    @Test func recordsAreReadAsJSONTextValidatesThem() throws {
        #expect(Self.corpus.count > 150)
        let program = try ExpressionProgram([.init("absent")])
        for (name, bytes) in Self.corpus {
            let (valid, loaded) = bytes.withUnsafeBytes { text in
                ((try? JSONScanner.validate(text)) != nil, (try? program.load(record: text, timestamp: 0)) != nil)
            }
            let afterSpace = bytes.drop { [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
            let isObject = afterSpace.first == UInt8(ascii: "{")
            #expect(loaded == (valid && isObject), "\(name): loaded \(loaded), valid \(valid), object \(isObject)")
        }
    }
}
