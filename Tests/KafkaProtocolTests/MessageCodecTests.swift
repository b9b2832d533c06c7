import Testing
import TestKit
@testable import KafkaProtocol

@Suite struct MessageCodecTests {
    /// Every field of every supported version of every request and response
    /// encodes and decodes back to the same value and the same bytes.
    @Test func everyVersionOfEveryMessageRoundTrips() throws {
        for api in ApiKey.allCases {
            for schema in [api.requestSchema, api.responseSchema] {
                for version in schema.versions {
                    let value = KafkaSampleValues.body(schema, version: version)
                    let bytes = MessageCodec.encode(value, schema: schema, version: version)
                    var reader = ProtocolReader(bytes)
                    let decoded = try MessageCodec.decode(schema, version: version, from: &reader)
                    #expect(decoded == value, "\(schema.name) v\(version)")
                    #expect(MessageCodec.encode(decoded, schema: schema, version: version) == bytes, "\(schema.name) v\(version)")
                }
            }
        }
    }

    /// Request and response schemas cover the same versions, so a server can
    /// answer every request version it accepts.
    @Test func requestAndResponseVersionsMatch() {
        for api in ApiKey.allCases {
            #expect(api.requestSchema.versions == api.responseSchema.versions, "\(api)")
        }
    }

    @Test func missingFieldsEncodeAsTheirDefaults() throws {
        // Fetch v4 partition data with only the index: LastStableOffset
        // defaults to -1, Records to an empty record set.
        let body = ProtocolStruct([
            "Responses": .array([
                .structure(ProtocolStruct(["Topic": .string("t"), "Partitions": .array([.structure(ProtocolStruct(["PartitionIndex": .int(0)]))])]))
            ])
        ])
        let bytes = MessageCodec.encode(body, schema: .fetchResponse, version: 4)
        let golden = GoldenFrame().i32(0).count(1).string("t").count(1).i32(0).i16(0).i64(0).i64(-1).count(0).bytes([])
        #expect(bytes == golden.payload)
    }

    @Test func unknownTaggedFieldsAreKeptAndReEncoded() throws {
        let frame = request(.apiVersions, 3).compactString("x").compactString("1")
            .uvarint(1).uvarint(77).uvarint(3).raw([9, 8, 7])
        let decoded = try Request.decode(frame: Array(frame.framed.dropFirst(4)))
        #expect(decoded.body.unknownTaggedFields == [UnknownTaggedField(tag: 77, data: [9, 8, 7])])
        #expect(decoded.encodeFrame() == frame.framed)
    }

    @Test func recordsAreSlicesOfTheFrame() throws {
        let frame = Array(
            request(.produce, 3).string(nil).i16(1).i32(100).count(1).string("t").count(1).i32(0).bytes(sampleRecords)
                .framed.dropFirst(4))
        let decoded = try Request.decode(frame: frame)
        let records = try #require(decoded.body.first("TopicData")?.first("PartitionData")?["Records"]?.bytes)
        // The slice indexes into the frame: no copy was made.
        #expect(records.startIndex == frame.count - sampleRecords.count)
        #expect(records.endIndex == frame.count)
    }
}
