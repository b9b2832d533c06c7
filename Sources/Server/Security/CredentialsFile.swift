#if canImport(Glibc)
import Glibc
#endif
import Core
import DurableFiles
import SystemPackage
import Foundation

/// The users a SASL listener accepts (`sasl.credentials.file`): per user,
/// SCRAM-SHA-256's salt, iterations, stored key and server key — never a
/// password. PLAIN logins are checked against the same keys.
///
///     {"format":"streamhost-sasl-credentials","users":{"alice":{"iterations":4096,
///      "mechanism":"SCRAM-SHA-256","salt":"…","server_key":"…","stored_key":"…"}},"version":1}
///
/// Written atomically with mode 0600 by `streamhost users`.
public struct CredentialsFile: Sendable, Equatable {
    public private(set) var users: [String: ScramCredential] = [:]

    public init() {}

    public static let format = "streamhost-sasl-credentials"
    public static let version = 1
    /// Bounds on what the server reads, so a wrong path cannot make it
    /// load a huge file.
    public static let fileBytesMax = 16 << 20
    /// Longest user name accepted (Kafka puts none; SASL PLAIN's RFC says
    /// 255 UTF-8 characters).
    public static let userNameBytesMax = 255

    public mutating func set(_ user: String, _ credential: ScramCredential) throws(ServerError) {
        try Self.checkUserName(user)
        users[user] = credential
    }

    /// Removes `user`; false when there was no such user.
    @discardableResult
    public mutating func remove(_ user: String) -> Bool { users.removeValue(forKey: user) != nil }

    static func checkUserName(_ user: String) throws(ServerError) {
        guard !user.isEmpty, user.utf8.count <= userNameBytesMax,
            !user.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw .credentials(
                path: nil,
                reason: "user name \"\(user)\" is empty, longer than \(userNameBytesMax) bytes or has control characters")
        }
    }

    // MARK: The file

    /// The file's JSON, through the host's one JSON stack (Core's
    /// `JSONValue`, docs/ARCHITECTURE.md "JSON"): keys sorted and
    /// pretty-printed, the layout Foundation's `JSONEncoder` gave the file
    /// before, users in name order. The one difference, "/" in base64 no
    /// longer written as "\/", is the same string to a JSON reader, so
    /// files written by older hosts read as they did.
    var json: JSONValue {
        var entries = JSONObject()
        for name in users.keys.sorted() {
            let credential = users[name]!
            entries[name] = [
                "iterations": .int(Int64(credential.iterations)),
                "mechanism": .string(SaslMechanism.scramSHA256.rawValue),
                "salt": .string(Data(credential.salt).base64EncodedString()),
                "server_key": .string(Data(credential.serverKey).base64EncodedString()),
                "stored_key": .string(Data(credential.storedKey).base64EncodedString()),
            ]
        }
        return ["format": .string(Self.format), "users": .object(entries), "version": .int(Int64(Self.version))]
    }

    /// Reads the users from the file's JSON; `path` is for messages.
    init(json fields: JSONFields, path: String) throws(ServerError) {
        let format: String
        let version: Int
        let entries: JSONFields
        do throws(JSONFieldError) {
            format = try fields.read("format")
            version = try fields.read("version")
            entries = try fields.object("users")
        } catch {
            throw Self.malformed(error, path: path)
        }
        guard format == Self.format, version == Self.version else {
            throw .credentials(path: path, reason: "format \(format) version \(version) is not \(Self.format) version \(Self.version)")
        }
        self.init()
        for name in entries.object.keys {
            let mechanism: String
            let salt: String
            let iterations: Int
            let storedKey: String
            let serverKey: String
            do throws(JSONFieldError) {
                let user = try entries.object(name)
                mechanism = try user.read("mechanism")
                salt = try user.read("salt")
                iterations = try user.read("iterations")
                storedKey = try user.read("stored_key")
                serverKey = try user.read("server_key")
            } catch {
                throw Self.malformed(error, path: path)
            }
            try add(name, mechanism: mechanism, salt: salt, iterations: iterations, storedKey: storedKey,
                    serverKey: serverKey, path: path)
        }
    }

    /// The error for a file that is not JSON or lacks a field.
    private static func malformed(_ error: JSONFieldError, path: String) -> ServerError {
        .credentials(path: path, reason: "not a credentials file (\(error)); make one with `streamhost users add`")
    }

    /// Checks one user's entry and adds it.
    private mutating func add(_ name: String, mechanism: String, salt: String, iterations: Int, storedKey: String,
                              serverKey: String, path: String) throws(ServerError) {
        guard mechanism == SaslMechanism.scramSHA256.rawValue else {
            throw .credentials(path: path, reason: "user \(name): mechanism \(mechanism) is not SCRAM-SHA-256")
        }
        guard let salt = Data(base64Encoded: salt), !salt.isEmpty,
            let storedKey = Data(base64Encoded: storedKey), storedKey.count == 32,
            let serverKey = Data(base64Encoded: serverKey), serverKey.count == 32
        else {
            throw .credentials(path: path, reason: "user \(name): salt, stored_key or server_key is not valid base64 of the right size")
        }
        guard ScramCredential.iterationsRange.contains(iterations) else {
            throw .credentials(
                path: path,
                reason: "user \(name): iterations \(iterations) outside \(ScramCredential.iterationsRange.lowerBound)"
                    + "...\(ScramCredential.iterationsRange.upperBound)")
        }
        do {
            try set(
                name,
                ScramCredential(
                    salt: Array(salt), iterations: iterations, storedKey: Array(storedKey), serverKey: Array(serverKey)))
        } catch .credentials(_, let reason) {
            throw .credentials(path: path, reason: reason)
        } catch {
            throw error
        }
    }

    /// Reads the file; a missing file is an error unless `missingIsEmpty`
    /// (`users add` creating it).
    public static func read(path: String, missingIsEmpty: Bool = false) throws(ServerError) -> CredentialsFile {
        guard FileManager.default.fileExists(atPath: path) else {
            if missingIsEmpty { return CredentialsFile() }
            throw .credentials(path: path, reason: "the file does not exist; create it with `streamhost users add NAME --file \(path)`")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > fileBytesMax {
            throw .credentials(path: path, reason: "\(size) bytes is larger than a credentials file can be (\(fileBytesMax))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .credentials(path: path, reason: "the file cannot be read: \(String(cString: strerror(errno)))")
        }
        let fields: JSONFields
        do throws(JSONFieldError) {
            fields = try JSONFields(parsing: Array(data))
        } catch {
            throw Self.malformed(error, path: path)
        }
        return try CredentialsFile(json: fields, path: path)
    }

    /// Replaces the file through the durable-file layer (a temporary file,
    /// fsynced, renamed over it), created with mode 0600 so that no other
    /// user ever reads the keys.
    public func write(path: String) throws(ServerError) {
        do throws(FileSystemError) {
            try ActiveFileSystem.current.writeAtomically(
                json.prettySerializedBytes(), to: path, permissions: [.ownerReadWrite])
        } catch {
            throw .credentials(path: path, reason: "cannot write it: \(error)")
        }
    }
}
