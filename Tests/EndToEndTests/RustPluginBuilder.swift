#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestKit

/// Builds Rust plugins with cargo, as a plugin author would: `cargo build
/// --release --offline` of a crate that depends on SDK/rust by path.
///
/// Every crate builds into one target directory under the package's
/// `.build` (`.build/cargo`), so the SDK is compiled once for all of them
/// and nothing lands in the source tree; cargo's own lock on the directory
/// serializes concurrent builds.
enum RustPluginBuilder {
    struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// cargo's target directory for the tests' builds.
    static var targetDirectory: String { BuildProducts.packageRoot + "/.build/cargo" }

    /// Runs `cargo ARGUMENTS` for the crate in `crateDirectory` (relative to
    /// the package root, or absolute) with the tests' target directory.
    static func cargo(_ arguments: [String], crate crateDirectory: String) throws -> ProcessOutcome {
        let directory = crateDirectory.hasPrefix("/") ? crateDirectory : BuildProducts.packageRoot + "/" + crateDirectory
        do {
            return try ProcessRunner.run(
                "cargo", arguments + ["--offline", "--manifest-path", directory + "/Cargo.toml"],
                environment: ["CARGO_TARGET_DIR": targetDirectory], timeoutSeconds: 900)
        } catch ProcessRunner.Failure.spawnFailed(_, let code) {
            throw Failure(description: "cannot start cargo (\(String(cString: strerror(code)))): "
                + "scripts/bootstrap.sh installs Debian's cargo when none is on PATH")
        }
    }

    /// Builds the cdylib crate in `crateDirectory` in release mode and
    /// returns the path of its library (`lib<crate name>.so`, dashes as
    /// underscores).
    static func build(crate crateDirectory: String, name: String) throws -> String {
        let outcome = try cargo(["build", "--release"], crate: crateDirectory)
        guard outcome.status == 0 else {
            throw Failure(description: "cargo build of \(crateDirectory) failed:\n\(outcome.standardError)")
        }
        let library = targetDirectory + "/release/lib" + name.replacingOccurrences(of: "-", with: "_") + ".so"
        guard FileManager.default.fileExists(atPath: library) else {
            throw Failure(description: "cargo built \(crateDirectory) but \(library) is missing")
        }
        return library
    }
}
