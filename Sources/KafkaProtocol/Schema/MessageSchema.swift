/// The layout of one request or response body across the versions this
/// module supports: a list of fields with version ranges, decoded and
/// encoded by one generic codec (`MessageCodec`).
public struct MessageSchema: Sendable {
    public let name: String
    /// The versions this module supports (a subset of Kafka's).
    public let versions: ClosedRange<Int16>
    /// The versions that use compact lengths and tagged fields.
    public let flexibleVersions: VersionRange
    public let fields: [Field]

    public init(name: String, versions: ClosedRange<Int16>, flexible: String, fields: [Field]) {
        self.name = name
        self.versions = versions
        self.flexibleVersions = VersionRange(flexible)
        self.fields = fields
    }

    public func isFlexible(_ version: Int16) -> Bool { flexibleVersions.contains(version) }
}
