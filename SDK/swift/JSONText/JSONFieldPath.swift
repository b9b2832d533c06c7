/// A dotted path of object keys, such as "customer.id", that `JSONScanner`
/// looks up in raw JSON bytes.
///
/// Each segment is one object key, matched byte for byte against the
/// unescaped key in the document (no Unicode normalization). Keys that
/// contain '.' cannot be named.
///
/// # Thread safety
/// Immutable after `init`; build it once (for example when a job starts) and
/// share it between threads.
public struct JSONFieldPath: Sendable, Hashable, CustomStringConvertible {
    /// The path as written, such as "customer.id".
    public let description: String
    /// The UTF-8 bytes of all segments, one after another, without the dots.
    let segmentBytes: [UInt8]
    /// `segmentEnds[i]` is the end of segment i in `segmentBytes`; segment i
    /// starts where segment i - 1 ends (segment 0 at 0).
    let segmentEnds: [Int]

    /// Parses a dotted path; every segment must be non-empty.
    public init(_ path: String) throws(JSONFieldPathError) {
        if path.isEmpty {
            throw JSONFieldPathError(path: path, message: "field path is empty; name a key such as \"id\"")
        }
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var segmentStart = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: ".") {
                if bytes.count == segmentStart {
                    throw JSONFieldPathError(path: path, message: Self.emptySegmentMessage(ends.count + 1))
                }
                ends.append(bytes.count)
                segmentStart = bytes.count
            } else {
                bytes.append(byte)
            }
        }
        if bytes.count == segmentStart {
            throw JSONFieldPathError(path: path, message: Self.emptySegmentMessage(ends.count + 1))
        }
        ends.append(bytes.count)
        self.description = path
        self.segmentBytes = bytes
        self.segmentEnds = ends
    }

    private static func emptySegmentMessage(_ position: Int) -> String {
        "segment \(position) is empty; separate keys with a single '.', as in \"customer.id\""
    }

    /// The keys of the path, outermost first.
    public var segments: [String] {
        var result: [String] = []
        var start = 0
        for end in segmentEnds {
            result.append(String(decoding: segmentBytes[start..<end], as: UTF8.self))
            start = end
        }
        return result
    }

    /// The UTF-8 bytes of each key, outermost first: for walkers that
    /// match names themselves (the window's extractor, dedup's key).
    public var segmentUTF8: [[UInt8]] {
        var result: [[UInt8]] = []
        var start = 0
        for end in segmentEnds {
            result.append(Array(segmentBytes[start..<end]))
            start = end
        }
        return result
    }

    public static func == (left: JSONFieldPath, right: JSONFieldPath) -> Bool {
        left.description == right.description
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}

/// A field path that cannot be used, and why.
public struct JSONFieldPathError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path as given.
    public let path: String
    /// What is wrong with it.
    public let message: String

    public var description: String {
        "invalid field path \"\(path)\": \(message)"
    }

    /// The one wording for a field path refused in a config: `place` is
    /// where the path was given ("aggregates[0]", "key_field"), as in
    /// "aggregates[0]: field 'order..amount': segment 2 is empty; ...".
    public func described(at place: String) -> String {
        "\(place): field '\(path)': \(message)"
    }
}
