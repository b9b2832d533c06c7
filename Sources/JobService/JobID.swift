#if canImport(Glibc)
import Glibc
#endif

/// A job's id in the service: 16 lowercase hex digits, random. Ids are
/// checked against this shape wherever they arrive (an HTTP path, a CLI
/// argument) before they name a directory, so that no id can reach outside
/// `DATA/jobs` (no `/`, no `..`).
public enum JobID {
    public static let length = 16

    /// A new random id.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: length - hex.count) + hex
    }

    /// Whether `text` has the shape of an id (and so is safe in a path).
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
