import PluginHost
import Testing
import TestKit

/// `PluginDiff`: two builds of one plugin compared as `streamhost plugin
/// diff` shows them.
@Suite("PluginDiff")
struct PluginDiffTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "plugin-diff") }

    func build(_ number: Int) throws -> LoadedPlugin {
        let output = directory.file("libfixture-diff-\(number).so")
        try CPluginBuilder.build(
            source: BuildProducts.packageRoot + "/Tests/PluginHostTests/Fixtures/diff_build.c", output: output,
            extraFlags: ["-DDIFF_BUILD=\(number)"])
        return try PluginLoader.load(path: output)
    }

    @Test func componentsSchemasAndCallbacksOfTwoBuilds() throws {
        let diff = PluginDiff(old: try build(1), new: try build(2))
        #expect(diff.samePlugin)
        #expect(diff.old.version == "1.0.0" && diff.new.version == "1.1.0")
        #expect(diff.components.map { "\($0.kind) \($0.name)" } == ["operator shaper", "sink tail", "source head"])

        let shaper = diff.components[0]
        #expect(shaper.stateChange == .needsMigrate(from: 1, to: 2))
        #expect(shaper.needsMigrate && !shaper.newDeclaresMigrate)
        #expect(shaper.swapVerdict.contains("the new build does NOT declare it"))
        #expect(shaper.callbacksAdded == ["on_watermark"])
        #expect(shaper.callbacksRemoved == ["snapshot"])
        #expect(shaper.configSchemaChanges == [#"property 'limit' added: {"type":"integer"}"#, "'field' now required"])
        #expect(shaper.otherChanges.isEmpty)

        let tail = diff.components[1]
        #expect(tail.old != nil && tail.new == nil && tail.stateChange == nil)
        #expect(tail.swapVerdict.hasPrefix("missing from the new build"))
        let head = diff.components[2]
        #expect(head.old == nil && head.new != nil)
        #expect(head.swapVerdict.hasPrefix("new in this build"))
    }

    @Test func theHotSwapBuildsSayWhenASwapNeedsMigrate() throws {
        let builds = try HotSwapBuilds(into: directory)
        let (v1, v2, v3) = (try PluginLoader.load(path: builds.v1), try PluginLoader.load(path: builds.v2),
                            try PluginLoader.load(path: builds.v3))
        let up = try #require(PluginDiff(old: v1, new: v2).components.first)
        #expect(up.stateChange == .needsMigrate(from: 1, to: 2) && up.newDeclaresMigrate)
        #expect(up.callbacksAdded == ["migrate"] && up.callbacksRemoved.isEmpty)
        #expect(up.configSchemaChanges.isEmpty)
        #expect(up.otherChanges.count == 1 && up.otherChanges[0].hasPrefix("description:"))

        let down = try #require(PluginDiff(old: v3, new: v1).components.first)
        #expect(down.stateChange == .olderThanState(state: 3, component: 1))
        #expect(down.swapVerdict.contains("a swap is refused"))

        let same = try #require(PluginDiff(old: v2, new: v2).components.first)
        #expect(same.stateChange == .same && !same.needsMigrate)
        #expect(same.callbacksAdded.isEmpty && same.callbacksRemoved.isEmpty && same.otherChanges.isEmpty)
    }

    @Test func theStateVersionRuleOfRestoreAndSwap() {
        #expect(StateVersionChange(old: 2, new: 2) == .same)
        #expect(StateVersionChange(old: 1, new: 3) == .needsMigrate(from: 1, to: 3))
        #expect(StateVersionChange(old: 3, new: 2) == .olderThanState(state: 3, component: 2))
    }
}
