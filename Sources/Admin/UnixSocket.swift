#if canImport(Glibc)
import Glibc
#endif

/// Thin helpers over AF_UNIX stream sockets.
enum UnixSocket {
    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// A sockaddr_un for `path`, or nil when the path is too long.
    static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
            raw[bytes.count] = 0
        }
        return address
    }

    static func connect(_ path: String) throws(AdminError) -> Int32 {
        guard var address = address(path) else {
            throw .io(socket: path, message: "the socket path is longer than the system allows (107 bytes)")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .io(socket: path, message: "socket() failed: \(errnoText())") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            switch code {
            case EACCES, EPERM: throw .permissionDenied(socket: path)
            case ENOENT: throw .notRunning(socket: path, reason: "no such socket")
            case ECONNREFUSED: throw .notRunning(socket: path, reason: "nothing listens (a host ended without removing it)")
            default: throw .io(socket: path, message: "connect failed: \(String(cString: strerror(code)))")
            }
        }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            sent += n
        }
        return true
    }

    /// Reads up to a newline (excluded) or the end, at most `limit` bytes.
    static func readLine(_ fd: Int32, limit: Int) -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < limit {
            let n = recv(fd, &byte, 1, 0)
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 || byte == UInt8(ascii: "\n") { return line }
            line.append(byte)
        }
        return nil
    }
}
