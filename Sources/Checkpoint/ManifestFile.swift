import Foundation
import Checksums

/// The on-disk envelope of a manifest: a fixed header, then the JSON.
///
///     offset  size  field
///     0       4     magic "SHCK"
///     4       4     envelope version (1), little-endian
///     8       8     length of the JSON body, little-endian
///     16      4     CRC-32C of the JSON body, little-endian
///     20      n     the manifest as JSON (UTF-8)
///
/// A manifest is written to a temporary name, fsynced and renamed, so a
/// reader sees a whole envelope or none; the checksum catches damage later.
enum ManifestFile {
    static let magic: [UInt8] = Array("SHCK".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 20
    static let name = "MANIFEST"

    static func encode(_ manifest: CheckpointManifest) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Encoding plain value types cannot fail.
        let body = [UInt8](try! encoder.encode(manifest))
        var bytes = magic
        append(&bytes, version)
        append(&bytes, UInt64(body.count))
        append(&bytes, CRC32C.checksum(body))
        bytes += body
        return bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws(CheckpointError) -> CheckpointManifest {
        guard bytes.count >= headerBytes else {
            throw .corrupt(path: path, message: "\(bytes.count) bytes, shorter than the \(headerBytes)-byte header")
        }
        guard Array(bytes[0..<4]) == magic else { throw .corrupt(path: path, message: "bad magic (not a manifest)") }
        let version = UInt32(read(bytes, 4, 4))
        guard version == Self.version else {
            throw .corrupt(path: path, message: "envelope version \(version); this host reads version \(Self.version)")
        }
        let length = read(bytes, 8, 8)
        guard length == UInt64(bytes.count - headerBytes) else {
            throw .corrupt(path: path, message: "the header says \(length) bytes of JSON, the file has \(bytes.count - headerBytes)")
        }
        let body = Array(bytes[headerBytes...])
        let expected = UInt32(read(bytes, 16, 4))
        let actual = CRC32C.checksum(body)
        guard expected == actual else {
            throw .corrupt(path: path, message: "checksum mismatch (stored \(expected), computed \(actual))")
        }
        let manifest: CheckpointManifest
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest.self, from: Data(body))
        } catch {
            throw .corrupt(path: path, message: "the manifest JSON does not decode: \(error)")
        }
        guard manifest.formatVersion <= CheckpointManifest.formatVersionCurrent else {
            throw .corrupt(path: path, message: "manifest format \(manifest.formatVersion) is newer than this host's "
                + "(\(CheckpointManifest.formatVersionCurrent)); restore it with a newer streamhost")
        }
        if let problem = manifest.problem() { throw .corrupt(path: path, message: problem) }
        return manifest
    }

    private static func append<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private static func read(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<count).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}
