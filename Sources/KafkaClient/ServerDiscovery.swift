#if canImport(Glibc)
import Glibc
#endif
import Core
import DurableFiles

/// Where a running `streamhost serve` listens, written into the data
/// directory it holds (`<data>/server.json`) so that the log commands,
/// which find the directory locked, can talk to it instead.
///
/// Written atomically (a temporary file renamed over it) once the listener
/// is bound, removed on a clean stop. A file left by a server that died is
/// ignored: `read` returns nil when its pid is no longer alive.
///
/// The CLI does not authenticate: it connects to the server's PLAINTEXT
/// listener (`host`, `port`), so a server with SASL or TLS listeners
/// keeps one PLAINTEXT listener on loopback for it. A server without one
/// records port 0, and the CLI says what to configure.
///
/// The file is JSON read and written with the host's one JSON stack
/// (Core's `JSONValue` and `JSONFields`, docs/ARCHITECTURE.md "JSON"):
/// `{"host":…,"port":…,"pid":…,"listeners":[…]}`, the keys Foundation's
/// Codable wrote before, so a file left by an older host still reads.
public struct ServerDiscovery: Sendable, Equatable {
    /// The PLAINTEXT listener (port 0 when there is none).
    public var host: String
    public var port: Int
    public var pid: Int32
    /// Every listener as `PROTOCOL://host:port`; absent in files written
    /// before listeners had protocols (one PLAINTEXT listener then).
    public var listeners: [String]?
    /// The HTTP API as `host:port`, when the server has one.
    public var http: String?
    /// The file holding the HTTP API's bearer token (readable by the user
    /// running the server only).
    public var httpTokenFile: String?

    public init(host: String, port: Int, pid: Int32, listeners: [String]? = nil, http: String? = nil,
                httpTokenFile: String? = nil) {
        self.host = host
        self.port = port
        self.pid = pid
        self.listeners = listeners
        self.http = http
        self.httpTokenFile = httpTokenFile
    }

    /// Whether the CLI can connect: the server has a PLAINTEXT listener.
    public var hasPlaintextListener: Bool { port != 0 }

    public static let fileName = "server.json"

    public static func path(dataDirectory: String) -> String { dataDirectory + "/" + fileName }

    /// `host:port` as a client connects to it: a wildcard listen address is
    /// reached on loopback. Without a PLAINTEXT listener, the listeners.
    public var address: String {
        hasPlaintextListener ? "\(connectHost):\(port)" : (listeners ?? []).joined(separator: ", ")
    }

    public var connectHost: String {
        switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "::1"
        default: host
        }
    }

    /// The file's JSON: `listeners`, `http` and `httpTokenFile` left out
    /// when absent, as before.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("host", .string(host)), ("port", .int(Int64(port))), ("pid", .int(Int64(pid)))]
        if let listeners { members.append(("listeners", .array(listeners.map { .string($0) }))) }
        if let http { members.append(("http", .string(http))) }
        if let httpTokenFile { members.append(("httpTokenFile", .string(httpTokenFile))) }
        return .object(JSONObject(members))
    }

    /// Reads the file's JSON; unknown keys are ignored (a newer host's).
    public init(json fields: JSONFields) throws(JSONFieldError) {
        let pid: Int = try fields.read("pid")
        guard let pid32 = Int32(exactly: pid) else {
            throw JSONFieldError(path: "pid", problem: "is \(pid), which is not a process id")
        }
        self.init(host: try fields.read("host"), port: try fields.read("port"), pid: pid32,
                  listeners: try fields.readIfPresent("listeners"), http: try fields.readIfPresent("http"),
                  httpTokenFile: try fields.readIfPresent("httpTokenFile"))
    }

    /// Writes the file atomically (a temporary file renamed over it, through
    /// the durable-file layer), so a reader never sees half of it; throws
    /// with the path on failure.
    public func write(dataDirectory: String) throws {
        let target = Self.path(dataDirectory: dataDirectory)
        do throws(FileSystemError) {
            try ActiveFileSystem.current.writeAtomically(json.serializedBytes(), to: target)
        } catch {
            throw KafkaClientError.io("writing \(target): \(error)", errno: error.code)
        }
    }

    /// Removes the file if it is this server's (a newer server's file is
    /// left alone).
    public func remove(dataDirectory: String) {
        guard Self.readFile(dataDirectory: dataDirectory)?.pid == pid else { return }
        unlink(Self.path(dataDirectory: dataDirectory))
    }

    /// The running server holding `dataDirectory`, or nil when there is no
    /// file, it cannot be read, or its process is gone (a stale file).
    public static func read(dataDirectory: String) -> ServerDiscovery? {
        guard let found = readFile(dataDirectory: dataDirectory), found.pid > 0 else { return nil }
        // kill(pid, 0) checks that the process exists; EPERM means it does
        // (another user's), ESRCH that it is gone.
        if kill(found.pid, 0) != 0 && errno == ESRCH { return nil }
        return found
    }

    /// The file's content, or nil when it is missing, unreadable or not a
    /// server file (then no server is taken to be running: the log
    /// commands report the locked directory instead).
    static func readFile(dataDirectory: String) -> ServerDiscovery? {
        guard let bytes = try? ActiveFileSystem.current.readAll(path(dataDirectory: dataDirectory)),
              let fields = try? JSONFields(parsing: bytes) else { return nil }
        return try? ServerDiscovery(json: fields)
    }
}
