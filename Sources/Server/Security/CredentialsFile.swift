#if canImport(Glibc)
import Glibc
#endif
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

    private struct Stored: Codable {
        var format: String
        var version: Int
        var users: [String: User]

        struct User: Codable {
            var mechanism: String
            var salt: String
            var iterations: Int
            var storedKey: String
            var serverKey: String

            enum CodingKeys: String, CodingKey {
                case mechanism, salt, iterations
                case storedKey = "stored_key"
                case serverKey = "server_key"
            }
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
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: data)
        } catch {
            throw .credentials(path: path, reason: "not a credentials file (\(error)); make one with `streamhost users add`")
        }
        guard stored.format == format, stored.version == version else {
            throw .credentials(
                path: path, reason: "format \(stored.format) version \(stored.version) is not \(format) version \(version)")
        }
        var file = CredentialsFile()
        for (name, user) in stored.users {
            guard user.mechanism == SaslMechanism.scramSHA256.rawValue else {
                throw .credentials(path: path, reason: "user \(name): mechanism \(user.mechanism) is not SCRAM-SHA-256")
            }
            guard let salt = Data(base64Encoded: user.salt), !salt.isEmpty,
                let storedKey = Data(base64Encoded: user.storedKey), storedKey.count == 32,
                let serverKey = Data(base64Encoded: user.serverKey), serverKey.count == 32
            else {
                throw .credentials(path: path, reason: "user \(name): salt, stored_key or server_key is not valid base64 of the right size")
            }
            guard ScramCredential.iterationsRange.contains(user.iterations) else {
                throw .credentials(
                    path: path,
                    reason: "user \(name): iterations \(user.iterations) outside \(ScramCredential.iterationsRange.lowerBound)"
                        + "...\(ScramCredential.iterationsRange.upperBound)")
            }
            do {
                try file.set(
                    name,
                    ScramCredential(
                        salt: Array(salt), iterations: user.iterations, storedKey: Array(storedKey), serverKey: Array(serverKey)))
            } catch .credentials(_, let reason) {
                throw .credentials(path: path, reason: reason)
            } catch {
                throw error
            }
        }
        return file
    }

    /// Replaces the file atomically (a temporary file renamed over it),
    /// created with mode 0600 so that no other user ever reads the keys.
    public func write(path: String) throws(ServerError) {
        let stored = Stored(
            format: Self.format, version: Self.version,
            users: users.mapValues {
                Stored.User(
                    mechanism: SaslMechanism.scramSHA256.rawValue, salt: Data($0.salt).base64EncodedString(),
                    iterations: $0.iterations, storedKey: Data($0.storedKey).base64EncodedString(),
                    serverKey: Data($0.serverKey).base64EncodedString())
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let previousMask = umask(0o077)
        defer { umask(previousMask) }
        do {
            try encoder.encode(stored).write(to: URL(fileURLWithPath: path), options: .atomic)
            chmod(path, 0o600)
        } catch {
            throw .credentials(path: path, reason: "cannot write it: \(error.localizedDescription)")
        }
    }
}
