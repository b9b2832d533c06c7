import StreamhostKit
import Testing

/// `Migrating.migrate(_:context:)` called directly, as a plugin's own tests
/// would; the C side of migrate is in ComponentThunkTests.
@Suite struct MigrationTests {
    @Test func onlyAMigratingComponentHasAMigrateAndItsRefusalNamesTheVersions() {
        #expect(!(EchoOperator.self is any Migrating.Type))
        #expect(ScriptedSource.self is any Migrating.Type)
        // What a component's own migrate throws for a version it cannot read.
        #expect(PluginError.cannotMigrate(component: "echo", fromVersion: 2, toVersion: 3).description
            == "component 'echo' cannot migrate its state from version 2 to version 3: restore with the plugin "
                + "version that wrote the checkpoint, start the job without it, or make its migrate(_:context:) "
                + "(Migrating) read that version")
    }

    @Test func aComponentsOwnMigrateRewritesTheState() throws {
        let fake = FakeContext()
        try withExtendedLifetime(fake) { () throws in
            let old = withUnsafeBytes(of: Int32(-5).littleEndian) { Array($0) }
            let new = try old.withUnsafeBytes { data in
                try ScriptedSource.migrate(
                    Migration(kind: .operatorBlob, fromVersion: 1, toVersion: 2, data: data), context: fake.context)
            }
            #expect(new == withUnsafeBytes(of: Int64(-5).littleEndian) { Array($0) })
        }
    }
}
