import Foundation
import Testing
import TestKit

/// `streamhost plugin inspect` lists the callbacks a component really
/// implements (kit plugins included), and `plugin diff` compares two builds
/// of one plugin, through the built binary.
@Suite("Plugin inspect and diff CLI", .serialized)
struct PluginInspectCLITests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "plugin-diff-cli") }

    /// The "callbacks:" line `plugin inspect` prints for one component.
    func callbacksLine(_ output: String, after header: String) -> String? {
        let lines = output.split(separator: "\n").map(String.init)
        guard let index = lines.firstIndex(where: { $0.hasPrefix("  " + header) }), index + 1 < lines.count else { return nil }
        return lines[index + 1].components(separatedBy: "callbacks: ").last
    }

    /// The kit's file plugin: the sink implements snapshots, migrate and
    /// the checkpoint hooks, the source none of them (every member used to
    /// be listed for both). The window lists its timers and watermarks.
    @Test func inspectOfKitPluginsListsOnlyTheCallbacksTheyImplement() throws {
        let file = try CLI.run(["plugin", "inspect", BuildProducts.plugin("file")])
        #expect(file.status == 0, "\(file.standardError)")
        #expect(callbacksLine(file.standardOutput, after: "source file:") == "open, poll, close", "\(file.standardOutput)")
        #expect(callbacksLine(file.standardOutput, after: "sink file:")
            == "open, process, snapshot, restore, migrate, on_checkpoint, on_checkpoint_complete, on_checkpoint_abort, close",
            "\(file.standardOutput)")

        let window = try CLI.run(["plugin", "inspect", BuildProducts.plugin("window")])
        #expect(window.status == 0, "\(window.standardError)")
        #expect(callbacksLine(window.standardOutput, after: "operator window:")
            == "open, process, on_watermark, on_timer, snapshot, restore, close", "\(window.standardOutput)")
        let dedup = try CLI.run(["plugin", "inspect", BuildProducts.plugin("dedup")])
        #expect(callbacksLine(dedup.standardOutput, after: "operator dedup:") == "open, process, on_timer, close",
                "\(dedup.standardOutput)")
    }

    @Test func inspectOfTwoBuildsPointsToDiff() throws {
        let builds = try HotSwapBuilds(into: directory)
        let both = try CLI.run(["plugin", "inspect", builds.v1, builds.v2])
        #expect(both.status == 2)
        #expect(both.standardError.contains("streamhost plugin diff OLD.so NEW.so"), "\(both.standardError)")
    }

    @Test func diffOfTheHotSwapBuildsSaysWhatASwapNeeds() throws {
        let builds = try HotSwapBuilds(into: directory)
        let up = try CLI.run(["plugin", "diff", builds.v1, builds.v2])
        #expect(up.status == 0, "\(up.standardError)")
        let text = up.standardOutput
        #expect(text.contains("old: running-total 1.0.0, ABI"), "\(text)")
        #expect(text.contains("new: running-total 2.0.0, ABI"), "\(text)")
        #expect(text.contains("operator running-total:\n  state_version 1 -> 2\n"), "\(text)")
        #expect(text.contains("    added: migrate\n"), "\(text)")
        #expect(text.contains("  config schema: unchanged\n"), "\(text)")
        #expect(text.contains("  swap: state_version 1 -> 2: a swap needs migrate, and the new build declares it"), "\(text)")

        let down = try CLI.run(["plugin", "diff", builds.v3, builds.v1])
        #expect(down.status == 0, "\(down.standardError)")
        #expect(down.standardOutput.contains("    removed: migrate\n"), "\(down.standardOutput)")
        #expect(down.standardOutput.contains("the new build is older than the state; a swap is refused"),
                "\(down.standardOutput)")

        let json = try CLI.run(["plugin", "diff", "--json", builds.v2, builds.v3])
        #expect(json.status == 0, "\(json.standardError)")
        #expect(json.standardOutput.contains(#""needs_migrate":true"#), "\(json.standardOutput)")
        #expect(json.standardOutput.contains(#""new_declares_migrate":true"#), "\(json.standardOutput)")
        #expect(json.standardOutput.contains(#""swap_refused":false"#), "\(json.standardOutput)")
    }

    /// A build whose state version grew without a migrate, a config schema
    /// with a new required property, and components added and removed.
    @Test func diffShowsSchemasCallbacksAndAMissingMigrate() throws {
        let source = BuildProducts.packageRoot + "/Tests/PluginHostTests/Fixtures/diff_build.c"
        let (old, new) = (directory.file("libdiff-1.so"), directory.file("libdiff-2.so"))
        try CPluginBuilder.build(source: source, output: old, extraFlags: ["-DDIFF_BUILD=1"])
        try CPluginBuilder.build(source: source, output: new, extraFlags: ["-DDIFF_BUILD=2"])
        let outcome = try CLI.run(["plugin", "diff", old, new])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let text = outcome.standardOutput
        #expect(text.contains("""
            operator shaper:
              state_version 1 -> 2
              callbacks: process, on_watermark, restore
                added: on_watermark
                removed: snapshot
              config schema: changed
                property 'limit' added: {"type":"integer"}
                'field' now required
              swap: state_version 1 -> 2: a swap needs migrate, and the new build does NOT declare it
            """), "\(text)")
        #expect(text.contains("sink tail:\n  only in old"), "\(text)")
        #expect(text.contains("source head:\n  only in new"), "\(text)")
    }

    @Test func diffOfAFileThatIsNotAPluginFails() throws {
        let builds = try HotSwapBuilds(into: directory)
        let text = try directory.write("notes.txt", "not a plugin\n")
        let outcome = try CLI.run(["plugin", "diff", builds.v1, text])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains(text), "\(outcome.standardError)")
    }
}
