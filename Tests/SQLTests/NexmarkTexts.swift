import Foundation
import Testing

/// The Nexmark SQL files of ../shared/nexmark (outside the repository,
/// never copied into it): where they are, and their text as the Nexmark
/// runner hands it to Flink.
///
/// `STREAMHOST_NEXMARK_DIR` names the folder; by default it is
/// `../shared/nexmark` beside the repository's checkout. Tests that need
/// the files are skipped, with this reason printed, when it is absent.
enum NexmarkTexts {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["STREAMHOST_NEXMARK_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
        return repository.appendingPathComponent("../shared/nexmark").standardized
    }()

    static var available: Bool { !files.isEmpty }

    static let skipReason: Comment = "the Nexmark SQL files are not at \(directory.path) (set STREAMHOST_NEXMARK_DIR to their folder)"

    /// The `.sql` file names, sorted.
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".sql") }.sorted()
    }()

    /// The placeholders the Nexmark runner substitutes before Flink reads
    /// a file (nexmark-flink's `QueryRunner`); only `${NEXMARK_TABLE}`
    /// stands where SQL needs a name, the others are inside strings.
    static let substitutions = [
        "${NEXMARK_TABLE}": "datagen", "${TPS}": "10000000", "${EVENTS_NUM}": "100000000", "${PERSON_PROPORTION}": "1",
        "${AUCTION_PROPORTION}": "3", "${BID_PROPORTION}": "46", "${BOOTSTRAP_SERVERS}": "localhost:9092",
    ]

    /// A file's text with the runner's substitutions made.
    static func text(_ file: String) throws -> String {
        var text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        for (placeholder, value) in substitutions {
            text = text.replacingOccurrences(of: placeholder, with: value)
        }
        return text
    }
}
