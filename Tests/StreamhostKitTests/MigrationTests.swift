import StreamhostKit
import Testing

/// `Component.migrate(_:context:)` called directly, as a plugin's own tests
/// would; the C side of migrate is in ComponentThunkTests.
@Suite struct MigrationTests {
    @Test func theDefaultRefusesNamingTheComponentAndVersions() {
        let fake = FakeContext()
        withExtendedLifetime(fake) {
            let old: [UInt8] = [1, 2, 3]
            old.withUnsafeBytes { data in
                let migration = Migration(kind: .operatorBlob, fromVersion: 2, toVersion: 3, data: data)
                #expect(throws: PluginError.cannotMigrate(component: "echo", fromVersion: 2, toVersion: 3)) {
                    try EchoOperator.migrate(migration, context: fake.context)
                }
            }
        }
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
