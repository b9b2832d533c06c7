import Foundation

/// The Nexmark SQL files (outside the repository, never copied into it):
/// where they are, and their text as the Nexmark runner hands it to Flink.
/// The one place every test module finds them.
///
/// `STREAMHOST_NEXMARK_DIR` names the folder; by default it is
/// `../shared/nexmark` beside the repository's checkout. Tests that need
/// the files are skipped with `skipReason` when they are absent.
public enum NexmarkFiles {
    public static let directory: String = {
        if let path = ProcessInfo.processInfo.environment["STREAMHOST_NEXMARK_DIR"], !path.isEmpty { return path }
        return URL(fileURLWithPath: BuildProducts.packageRoot + "/../shared/nexmark").standardized.path
    }()

    /// The `.sql` file names, sorted; empty when the folder is absent.
    public static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".sql") }.sorted()
    }()

    /// Whether the folder holds the generator DDL every Nexmark test reads.
    public static var available: Bool { files.contains("ddl_gen.sql") }

    /// Why a test that needs the files is skipped (for `Comment(rawValue:)`).
    public static let skipReason = "the Nexmark SQL files are not at \(directory) (set STREAMHOST_NEXMARK_DIR to their folder)"

    /// A file's path in the folder.
    public static func path(_ file: String) -> String { directory + "/" + file }

    /// A file's text with the runner's placeholders filled in (nexmark-flink's
    /// `QueryRunner`): the generator emits `tps` events per second, `events`
    /// in all. Only `${NEXMARK_TABLE}` stands where SQL needs a name; the
    /// others are inside strings.
    public static func text(_ file: String, tps: Int = 10_000_000, events: Int = 100_000_000) throws -> String {
        let substitutions = [
            ("${NEXMARK_TABLE}", "datagen"), ("${TPS}", String(tps)), ("${EVENTS_NUM}", String(events)),
            ("${PERSON_PROPORTION}", "1"), ("${AUCTION_PROPORTION}", "3"), ("${BID_PROPORTION}", "46"),
            ("${BOOTSTRAP_SERVERS}", "localhost:9092"),
        ]
        var text = try String(contentsOfFile: path(file), encoding: .utf8)
        for (placeholder, value) in substitutions { text = text.replacingOccurrences(of: placeholder, with: value) }
        return text
    }
}
