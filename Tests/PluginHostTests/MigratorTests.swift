import Core
import PluginHost
import Synchronization
import Testing
import TestKit

/// Which host calls a plugin may make inside migrate: the ones that read
/// (config, clocks, last_error) or only report (log, counters) work; those
/// that produce output or touch keyed state are refused with SH_INVALID and
/// fail the job, as SDK/README.md ("migrate") says.
@Suite("Migrator")
struct MigratorTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "migrator") }

    @Test func migrateMayReadAndReportButNotEmitOrTouchState() throws {
        let plugin = try PluginLoader.load(path: try CPluginBuilder.fixture("migrate_calls", into: directory))
        let component = try #require(plugin.components.first)
        let context = InstanceContext(
            jobName: "job", stepID: "calls", instance: 0, kind: .operator, componentName: component.name,
            config: .object(JSONObject([("n", .int(7))])))
        let violations = Mutex<[String]>([])
        context.onViolation = { message in violations.withLock { $0.append(message) } }
        let migrator = Migrator(component: component, fromVersion: 1, toVersion: 2, fromPluginVersion: "1.0.0",
                                context: context)
        let answers = try migrator.migrate(.operatorBlob, stateName: nil, key: nil, data: [1])
        let (ok, invalid) = (UInt8(Status.ok), UInt8(Status.invalid))
        #expect(answers == [ok, 7, ok, 1, 1, invalid, invalid, 1], "\(answers)")
        #expect(context.emittedCount == 0)
        let seen = violations.withLock { $0 }
        #expect(seen.count == 2, "\(seen)")
        #expect(seen.first?.contains("called emit inside migrate") ?? false, "\(seen)")
        #expect(seen.last?.contains("called state_register inside migrate") ?? false, "\(seen)")
        // Outside migrate the same context emits again.
        #expect(!context.isMigrating)
    }
}
