#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PluginHost

/// `--http-listen host:port` (an IPv6 host in brackets).
struct HTTPAddress: CustomStringConvertible, Sendable {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port)
        else {
            throw CLIError("--http-listen \(text): expected host:port, such as 127.0.0.1:8081 (port 0 picks a free one)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw CLIError("--http-listen \(text): the host is missing (127.0.0.1:8081)") }
        self.host = host
        self.port = port
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The address a client connects to: a wildcard is reached on loopback.
    var connectable: HTTPAddress {
        switch host {
        case "0.0.0.0": HTTPAddress(host: "127.0.0.1", port: port)
        case "::": HTTPAddress(host: "::1", port: port)
        default: self
        }
    }
}

/// The HTTP API's bearer token: read from `--http-token-file`, or made
/// anew at each start into DATA/http.token (mode 0600), which
/// DATA/server.json names for the CLI.
struct HTTPToken: Sendable {
    let value: String
    let file: String

    static let generatedFileName = "http.token"
    static let bytesMax = 4_096

    static func load(file: String?, dataDirectory: String) throws -> HTTPToken {
        if let file {
            guard let data = FileManager.default.contents(atPath: file), data.count <= bytesMax else {
                throw CLIError("--http-token-file \(file): cannot read it (or it is over \(bytesMax) bytes)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty, !token.contains(where: { $0.isWhitespace }) else {
                throw CLIError("--http-token-file \(file): the file must hold one token (no spaces)")
            }
            let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            return HTTPToken(value: token, file: absolute)
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
        let path = dataDirectory + "/" + generatedFileName
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CLIError("cannot create \(temporary) for the HTTP token: \(String(cString: strerror(errno)))")
        }
        let written = Array(token.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        guard written == token.utf8.count, rename(temporary, path) == 0 else {
            throw CLIError("cannot write the HTTP token to \(path): \(String(cString: strerror(errno)))")
        }
        return HTTPToken(value: token, file: path)
    }
}

/// An error of the CLI's own, printed as it is.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `GET /v1/plugins`: `streamhost plugin inspect --json` over the built-in
/// plugins and those the jobs name, in a process of its own (plugin code
/// never runs in the server).
enum PluginInspection {
    /// Bounds the answer read back.
    static let outputBytesMax = 16 << 20

    @Sendable static func inspect(paths: [String]) throws -> [UInt8] {
        let builtin = PluginRegistry.builtinDirectories(executablePath: PluginRegistry.executablePath)
            .filter { FileManager.default.fileExists(atPath: $0) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["plugin", "inspect", "--json"] + builtin + paths
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, data.count <= outputBytesMax else {
            throw CLIError("inspecting the plugins failed: "
                + String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return Array(data)
    }
}
