#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing
import TestKit

@testable import Admin

@Suite struct AdminServerTests {
    @Test func aRequestReachesTheHandlerAndItsAnswerComesBack() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("admin.sock")
        let seen = Mutex<[AdminRequest]>([])
        let server = try AdminServer(path: path) { request, reply in
            seen.withLock { $0.append(request) }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) {
                var response = AdminResponse(ok: true)
                response.savepoint = "/x/sp-000001"
                response.checkpointID = 1
                reply(response)
            }
        }
        defer { server.close() }
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let response = try AdminClient.send(AdminRequest(command: .savepoint, stop: true), socket: path)
        #expect(response.ok && response.savepoint == "/x/sp-000001" && response.checkpointID == 1)
        #expect(seen.withLock { $0 } == [AdminRequest(command: .savepoint, stop: true)])
    }

    @Test func noHostMeansAClearError() throws {
        let directory = try TemporaryDirectory()
        #expect {
            _ = try AdminClient.send(AdminRequest(command: .status), socket: directory.file("admin.sock"))
        } throws: { error in
            "\(error)".contains("no streamhost is running with this data directory")
        }
    }

    @Test func aSecondServerOnTheSameDirectoryIsRefusedAndAStaleSocketIsReplaced() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("admin.sock")
        let first = try AdminServer(path: path) { _, reply in reply(AdminResponse(ok: true)) }
        #expect {
            _ = try AdminServer(path: path) { _, reply in reply(AdminResponse(ok: true)) }
        } throws: { error in
            "\(error)".contains("another streamhost is already serving this data directory")
        }
        first.close()
        // A socket file left behind by a host that died: bind anew over it.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = try #require(UnixSocket.address(path))
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        let second = try AdminServer(path: path) { _, reply in reply(AdminResponse(ok: true)) }
        defer { second.close() }
        #expect(try AdminClient.send(AdminRequest(command: .status), socket: path).ok)
    }

    /// A closed server's thread never serves a newer server's socket. It
    /// used to close its listening descriptor in `close()`; when its thread
    /// was busy with a request at that moment, a server made next could get
    /// the same descriptor number, and the old thread's next `accept` took
    /// the new server's connections and answered them with the old handler
    /// (seen as a status answered without its handler running).
    @Test func aClosedServerNeverAnswersForANewerOne() throws {
        let directory = try TemporaryDirectory()
        let oldPath = directory.file("old.sock")
        let newPath = directory.file("new.sock")
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let calls = HandledCount()
        let old = try AdminServer(path: oldPath) { _, reply in
            calls.increment()
            if calls.value == 1 {
                entered.signal()
                release.wait()
            }
            reply(.failure("answered by the closed server"))
        }
        let pending = DispatchGroup()
        DispatchQueue.global().async(group: pending) {
            _ = try? AdminClient.send(AdminRequest(command: .status), socket: oldPath)
        }
        entered.wait()
        old.close()
        let new = try AdminServer(path: newPath) { _, reply in reply(AdminResponse(ok: true)) }
        defer { new.close() }
        release.signal()
        pending.wait()
        for _ in 0..<20 {
            let answer = try AdminClient.send(AdminRequest(command: .status), socket: newPath)
            #expect(answer.ok, "\(answer)")
        }
        withExtendedLifetime(directory) {}
    }

    /// Another user is refused twice over: by the socket's mode, and (with
    /// the mode widened by hand) by the peer-credential check. Needs root to
    /// act as another user (`setpriv`); CI runs as root.
    @Test(.enabled(if: getuid() == 0)) func anotherUserIsRefused() throws {
        let directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)
        let path = directory.file("admin.sock")
        let handled = HandledCount()
        let server = try AdminServer(path: path) { _, reply in
            handled.increment()
            reply(AdminResponse(ok: true))
        }
        defer { server.close() }
        let client = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1])
            except PermissionError:
                print("connect: permission denied"); sys.exit(0)
            s.sendall(b'{"command":"status"}\\n')
            print(s.recv(4096).decode().strip())
            """
        let script = try directory.write("client.py", client)
        chmod(script, 0o644)
        func runAsNobody() throws -> String {
            let outcome = try ProcessRunner.run(
                "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/env", "python3", script, path],
                timeoutSeconds: 30)
            #expect(outcome.status == 0, "\(outcome.standardError)")
            return outcome.standardOutput
        }
        #expect(try runAsNobody().contains("connect: permission denied"))
        chmod(path, 0o666)
        let answer = try runAsNobody()
        #expect(answer.contains("permission denied: only the user running the host may use its admin socket"))
        #expect(handled.value == 0)
        let status = try AdminClient.send(AdminRequest(command: .status), socket: path)
        #expect(status.ok, "\(status)")
        #expect(handled.value == 1)
        withExtendedLifetime(directory) {}
    }
}

/// How many requests reached the handler (set on the server's thread, read
/// on the test's).
private final class HandledCount: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
