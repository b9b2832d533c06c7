#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Sends one request to a running host's admin socket and waits for the
/// answer (savepoints and swaps can take a while: no timeout but the
/// host's own).
public enum AdminClient {
    /// The admin socket of a data directory.
    public static func socketPath(dataDirectory: String) -> String { dataDirectory + "/admin.sock" }

    public static func send(_ request: AdminRequest, socket path: String) throws(AdminError) -> AdminResponse {
        let fd = try UnixSocket.connect(path)
        defer { close(fd) }
        guard UnixSocket.writeAll(fd, request.jsonBytes + [UInt8(ascii: "\n")]) else {
            throw .io(socket: path, message: "sending the request failed: \(UnixSocket.errnoText())")
        }
        guard let line = UnixSocket.readLine(fd, limit: AdminServer.messageBytesMax), !line.isEmpty else {
            throw .io(socket: path, message: "the host closed the connection without answering")
        }
        do {
            return try AdminResponse(jsonBytes: line)
        } catch {
            throw .io(socket: path, message: "the host's answer does not decode: \(error)")
        }
    }
}
