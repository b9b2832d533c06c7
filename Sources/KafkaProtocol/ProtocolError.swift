/// Why a frame could not be decoded. Every case names the message and
/// version, and a malformed body names the field path
/// (`Topics[0].Partitions[2].FetchOffset`), so a client author can find the
/// bad byte.
public enum ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The frame ended early, a length was impossible, a string was not
    /// UTF-8, or bytes were left over.
    case malformed(message: String, version: Int16, field: String, reason: String)
    /// The API key is not one this module knows.
    case unknownApiKey(Int16)
    /// The API is known but not this version of it.
    case unsupportedVersion(api: ApiKey, version: Int16)

    public var description: String {
        switch self {
        case .malformed(let message, let version, let field, let reason):
            let at = field.isEmpty ? "" : " field \(field):"
            return "malformed \(message) v\(version):\(at) \(reason)"
        case .unknownApiKey(let key):
            return "unknown API key \(key): this server does not implement it (see ApiVersions for the list)"
        case .unsupportedVersion(let api, let version):
            return "\(api) v\(version) is not supported; supported versions are \(api.supportedVersions)"
        }
    }
}
