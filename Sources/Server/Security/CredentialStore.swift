import Foundation
import Synchronization

/// The server's view of `sasl.credentials.file`: read at start, and read
/// again when its modification time or size changes, so that
/// `streamhost users add` takes effect without a restart. A file that
/// turns unreadable keeps the last good users (and the error is
/// reported), so a half-edited file does not lock everyone out.
///
/// # Thread safety
/// Safe from any thread.
public final class CredentialStore: Sendable {
    public let path: String
    private let state: Mutex<State>

    private struct State {
        var file: CredentialsFile
        var stamp: Stamp?
        var lastError: ServerError?
    }

    private struct Stamp: Equatable {
        var modified: Date
        var size: Int
    }

    /// Reads the file; throws when it is missing or malformed, so `serve`
    /// refuses to start with no usable credentials.
    public init(path: String) throws(ServerError) {
        self.path = path
        let stamp = Self.stamp(path)
        state = Mutex(State(file: try CredentialsFile.read(path: path), stamp: stamp))
    }

    private static func stamp(_ path: String) -> Stamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let modified = attributes[.modificationDate] as? Date, let size = attributes[.size] as? Int
        else { return nil }
        return Stamp(modified: modified, size: size)
    }

    /// The stored keys of `user`, nil when there is no such user.
    public func credential(for user: String) -> ScramCredential? {
        refresh()
        return state.withLock { $0.file.users[user] }
    }

    /// The error of the last failed re-read, if the last one failed.
    public var lastError: ServerError? { state.withLock { $0.lastError } }

    private func refresh() {
        let current = Self.stamp(path)
        guard current != state.withLock({ $0.stamp }) else { return }
        do {
            let file = try CredentialsFile.read(path: path)
            state.withLock { $0 = State(file: file, stamp: current, lastError: nil) }
        } catch {
            state.withLock {
                $0.stamp = current
                $0.lastError = error
            }
        }
    }
}
