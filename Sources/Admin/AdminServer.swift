#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// The running host's admin endpoint: a Unix socket in the data directory
/// (`admin.sock`), open to the host's own user only.
///
/// Access control has two layers: the socket file is created with mode
/// 0600 (under a umask of 077, so it is never briefly wider), which makes
/// connect fail with EACCES for other users; and every accepted connection's
/// peer credentials (SO_PEERCRED) are checked against the host's user, so a
/// socket whose mode was widened by hand still refuses strangers.
///
/// One request per connection, one JSON object per line each way.
///
/// # Thread safety
/// Connections are served one at a time on the server's own thread; the
/// handler's reply may come from any thread.
public final class AdminServer: @unchecked Sendable {
    public typealias Handler = @Sendable (AdminRequest, @escaping @Sendable (AdminResponse) -> Void) -> Void

    /// The largest request or answer accepted, in bytes.
    public static let messageBytesMax = 64 << 10
    /// How long a client may take to send its request.
    static let requestTimeoutSeconds = 5

    public let path: String
    private let handler: Handler
    private var listener: Int32 = -1
    private var thread: Thread?
    /// Set by `close`; the serving thread stops at its next accept.
    private var closed = false
    private let closedLock = NSLock()
    private let logger = Logger(label: "streamhost.admin")

    /// Creates and binds the socket. A live socket at `path` means another
    /// host runs on the directory (an error); a stale one is replaced.
    public init(path: String, handler: @escaping Handler) throws(AdminError) {
        self.path = path
        self.handler = handler
        if let probe = try? UnixSocket.connect(path) {
            Glibc.close(probe)
            throw .cannotListen(socket: path, message: "another streamhost is already serving this data directory")
        }
        unlink(path)
        guard var address = UnixSocket.address(path) else {
            throw .cannotListen(socket: path, message: "the path is longer than the system allows (107 bytes); "
                + "use a shorter --data-dir")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cannotListen(socket: path, message: "socket() failed: \(UnixSocket.errnoText())") }
        let previousMask = umask(0o077)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previousMask)
        guard bound == 0 else {
            let message = UnixSocket.errnoText()
            Glibc.close(fd)
            throw .cannotListen(socket: path, message: "bind failed: \(message)")
        }
        chmod(path, 0o600)
        guard listen(fd, 8) == 0 else {
            let message = UnixSocket.errnoText()
            Glibc.close(fd)
            unlink(path)
            throw .cannotListen(socket: path, message: "listen failed: \(message)")
        }
        listener = fd
        let thread = Thread { [self] in serve(fd) }
        thread.name = "streamhost-admin"
        self.thread = thread
        thread.start()
    }

    /// Stops accepting and removes the socket file.
    ///
    /// The listening descriptor is shut down here but closed by the serving
    /// thread when it leaves its loop: closed here, its number could be
    /// reused by another server's listener before this thread's next
    /// `accept`, which would then serve that socket with this handler.
    public func close() {
        let first: Bool = closedLock.withLock {
            defer { closed = true }
            return !closed
        }
        guard first, listener >= 0 else { return }
        unlink(path)
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private var isClosed: Bool { closedLock.withLock { closed } }

    deinit { close() }

    private func serve(_ listener: Int32) {
        defer { Glibc.close(listener) }
        while !isClosed {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if (errno == EINTR || errno == ECONNABORTED) && !isClosed { continue }
                return  // shut down by close()
            }
            if isClosed {
                Glibc.close(connection)
                return
            }
            handle(connection)
            Glibc.close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        // The request is read before the credentials are judged, so that a
        // refused client gets its answer instead of a reset connection
        // (closing with its request unread would reset it). Reading is
        // bounded in size and time.
        var timeout = timeval(tv_sec: Self.requestTimeoutSeconds, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let line = UnixSocket.readLine(connection, limit: Self.messageBytesMax)
        var credentials = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(connection, SOL_SOCKET, PeerCredentials.option, &credentials, &length) == 0 else {
            reply(.failure("cannot read the caller's credentials"), on: connection)
            return
        }
        guard credentials.uid == geteuid() else {
            logger.warning("admin request from uid \(credentials.uid) (pid \(credentials.pid)) refused: only uid \(geteuid()) may")
            reply(.failure("permission denied: only the user running the host may use its admin socket"), on: connection)
            return
        }
        guard let line else {
            reply(.failure("the request is not one line of at most \(Self.messageBytesMax) bytes"), on: connection)
            return
        }
        let request: AdminRequest
        do {
            request = try AdminRequest(jsonBytes: line)
        } catch {
            reply(.failure("the request does not decode: \(error)"), on: connection)
            return
        }
        let done = DispatchSemaphore(value: 0)
        let answer = AnswerBox()
        handler(request) { response in
            answer.value = response
            done.signal()
        }
        done.wait()
        reply(answer.value ?? .failure("no answer"), on: connection)
    }

    private func reply(_ response: AdminResponse, on connection: Int32) {
        _ = UnixSocket.writeAll(connection, response.jsonBytes + [UInt8(ascii: "\n")])
    }
}

private final class AnswerBox: @unchecked Sendable {
    var value: AdminResponse?
}

/// Linux's `struct ucred` and `SO_PEERCRED`, which Glibc's Swift module
/// hides behind _GNU_SOURCE.
private struct PeerCredentials {
    static let option: Int32 = 17  // SO_PEERCRED on Linux (asm-generic/socket.h)
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}
