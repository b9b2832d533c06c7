import Core
import Testing

@Suite("JSONValue and JSONObject")
struct JSONValueTests {
    // MARK: JSONObject

    @Test("object keeps keys in insertion order")
    func objectKeepsInsertionOrder() {
        var object = JSONObject()
        object["zeta"] = 1
        object["alpha"] = 2
        object["mid"] = 3
        #expect(object.keys == ["zeta", "alpha", "mid"])
        #expect(object.map(\.key) == ["zeta", "alpha", "mid"])
        #expect(object.values == [1, 2, 3])
        #expect(object.count == 3)
    }

    @Test("replacing a value keeps the key's position")
    func replacingKeepsPosition() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3]
        object["b"] = "two"
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["b"] == "two")
    }

    @Test("removing a key shifts later keys and keeps lookup right")
    func removingKeys() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3, "d": 4]
        object["b"] = nil
        #expect(object.keys == ["a", "c", "d"])
        #expect(object["c"] == 3)
        #expect(object["d"] == 4)
        #expect(object["b"] == nil)
        #expect(object.removeValue(forKey: "a") == 1)
        #expect(object.removeValue(forKey: "missing") == nil)
        #expect(object.keys == ["c", "d"])
        object["a"] = 9
        #expect(object.keys == ["c", "d", "a"])
        #expect(object["a"] == 9 && object["c"] == 3 && object["d"] == 4)
    }

    @Test("objects past the linear-search size keep lookups, order and removal right")
    func indexedObject() {
        var object = JSONObject()
        let count = JSONObject.linearSearchCountMax * 3
        for index in 0..<count { object["k\(index)"] = .int(Int64(index)) }
        object["k3"] = nil
        object["k20"] = nil
        object["k0"] = nil
        object["k0"] = "again"
        var expectedKeys = (0..<count).map { "k\($0)" }.filter { $0 != "k3" && $0 != "k20" && $0 != "k0" }
        expectedKeys.append("k0")
        #expect(object.keys == expectedKeys)
        for (position, key) in object.keys.enumerated() {
            #expect(object[key] == object.values[position], "\(key)")
        }
        #expect(object["k3"] == nil && object["k20"] == nil)
        #expect(object["k21"] == 21)
        #expect(object["k0"] == "again")
        #expect(object.count == count - 2)
    }

    @Test("lookup distinguishes an absent key from a null value")
    func absentVersusNull() {
        let object: JSONObject = ["present": nil]
        #expect(object["present"] == .null)
        #expect(object["absent"] == nil)
        #expect(object.contains(key: "present"))
        #expect(!object.contains(key: "absent"))
    }

    @Test("init from pairs: a later duplicate replaces the value in place")
    func initFromPairs() {
        let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }

    @Test("equality and hashing ignore key order but not values")
    func equalityIgnoresOrder() {
        let first: JSONObject = ["a": 1, "b": [true, nil]]
        let second: JSONObject = ["b": [true, nil], "a": 1]
        let different: JSONObject = ["a": 1, "b": [true, false]]
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != different)
        #expect(first != ["a": 1])
        #expect(Set([JSONValue.object(first), .object(second), .object(different)]).count == 2)
    }

    @Test("a large object looks keys up correctly")
    func largeObject() {
        var object = JSONObject()
        for index in 0..<1000 { object["key\(index)"] = .int(Int64(index)) }
        for index in stride(from: 0, to: 1000, by: 37) {
            #expect(object["key\(index)"] == .int(Int64(index)))
        }
        #expect(object.keys.first == "key0" && object.keys.last == "key999")
    }

    // MARK: Accessors

    @Test("typeName names every case as JSON Schema does")
    func typeNames() {
        let cases: [(JSONValue, String)] = [
            (nil, "null"), (true, "boolean"), (1, "integer"), (1.5, "number"), ("s", "string"), ([], "array"),
            ([:], "object"),
        ]
        for (value, name) in cases {
            #expect(value.typeName == name)
        }
    }

    @Test("typed accessors return the value for their case only")
    func typedAccessors() {
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.int(1).stringValue == nil)
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.int(1).boolValue == nil)
        #expect(JSONValue.array([1]).arrayValue == [1])
        #expect(JSONValue.object(["a": 1]).arrayValue == nil)
        #expect(JSONValue.object(["a": 1]).objectValue == ["a": 1])
        #expect(JSONValue.array([]).objectValue == nil)
        #expect(JSONValue.null.isNull)
        #expect(!JSONValue.bool(false).isNull)
    }

    @Test("int64Value takes integral doubles in range and refuses the rest")
    func int64Value() {
        #expect(JSONValue.int(-7).int64Value == -7)
        #expect(JSONValue.double(42.0).int64Value == 42)
        #expect(JSONValue.double(-0.0).int64Value == 0)
        #expect(JSONValue.double(42.5).int64Value == nil)
        #expect(JSONValue.double(1e19).int64Value == nil)
        #expect(JSONValue.double(-0x1p63).int64Value == Int64.min)
        #expect(JSONValue.double(.infinity).int64Value == nil)
        #expect(JSONValue.string("42").int64Value == nil)
    }

    @Test("doubleValue takes integers and doubles")
    func doubleValue() {
        #expect(JSONValue.int(3).doubleValue == 3.0)
        #expect(JSONValue.double(2.5).doubleValue == 2.5)
        #expect(JSONValue.bool(true).doubleValue == nil)
        #expect(JSONValue.string("1").doubleValue == nil)
    }

    @Test("value(atPath:) follows dotted keys through objects")
    func valueAtPath() {
        let value: JSONValue = ["customer": ["id": 42, "address": ["city": "Oslo"]], "items": [1, 2], "n": nil]
        #expect(value.value(atPath: "customer.id") == 42)
        #expect(value.value(atPath: "customer.address.city") == "Oslo")
        #expect(value.value(atPath: "customer") == ["id": 42, "address": ["city": "Oslo"]])
        #expect(value.value(atPath: "") == value)
        #expect(value.value(atPath: "n") == .null)
        #expect(value.value(atPath: "customer.name") == nil)
        #expect(value.value(atPath: "items.0") == nil)
        #expect(value.value(atPath: "customer.id.more") == nil)
        #expect(value.value(atPath: "customer..id") == nil)
        // An empty segment names nothing, even where an empty key exists
        // (the one field-path rule of JSONFieldPath).
        let withEmptyKey: JSONValue = ["a": ["": ["b": 1]], "": 2]
        #expect(withEmptyKey.value(atPath: "a..b") == nil)
        #expect(withEmptyKey.value(atPath: ".") == nil)
        #expect(withEmptyKey["a"]?[""]?["b"] == 1)
        #expect(JSONValue.int(1).value(atPath: "a") == nil)
        #expect(value["customer"]?["id"] == 42)
    }

    @Test("structural equality does not unify integers and doubles")
    func intAndDoubleDiffer() {
        #expect(JSONValue.int(1) != JSONValue.double(1))
        #expect(JSONValue.double(0.0) == JSONValue.double(-0.0))
    }

    // MARK: Serialization

    @Test("serialized() is compact and keeps key order")
    func serializedCompact() {
        let value: JSONValue = ["b": [1, "two", nil, true, false], "a": ["nested": [:]], "c": []]
        #expect(value.serialized() == #"{"b":[1,"two",null,true,false],"a":{"nested":{}},"c":[]}"#)
        #expect(value.description == value.serialized())
        #expect(String(decoding: value.serializedBytes(), as: UTF8.self) == value.serialized())
    }

    @Test(
        "strings escape quotes, backslashes and control characters only",
        arguments: [
            ("plain", #""plain""#),
            ("say \"hi\"", #""say \"hi\"""#),
            (#"back\slash"#, #""back\\slash""#),
            ("a/b", #""a/b""#),
            ("line\nbreak\ttab\r", #""line\nbreak\ttab\r""#),
            ("\u{8}\u{C}", #""\b\f""#),
            ("\u{0}\u{1F}\u{7F}", #""\u0000\u001f"# + "\u{7F}\""),
            ("é😀", "\"é😀\""),
            ("\u{2028}", "\"\u{2028}\""),
        ])
    func stringEscaping(input: String, expected: String) {
        #expect(JSONValue.string(input).serialized() == expected)
    }

    @Test(
        "integers print exactly",
        arguments: [(Int64(0), "0"), (-1, "-1"), (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808")])
    func integerPrinting(value: Int64, expected: String) {
        #expect(JSONValue.int(value).serialized() == expected)
    }

    @Test(
        "doubles print round-trippably, integral ones without exponent",
        arguments: [
            (3.0, "3.0"), (-0.0, "-0.0"), (0.1, "0.1"), (-2.5, "-2.5"), (1e15, "1000000000000000.0"),
            (1e16, "10000000000000000.0"), (0x1p63, "9223372036854775808.0"),
            (18446744073709551616.0, "18446744073709552000.0"), (1e20, "100000000000000000000.0"),
            (1e21, "1e+21"), (1.5e300, "1.5e+300"), (1e-7, "1e-07"), (5e-324, "5e-324"),
            (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        ])
    func doublePrinting(value: Double, expected: String) throws {
        #expect(JSONValue.double(value).serialized() == expected)
        let reparsed = try JSONValue.parse(expected)
        #expect(reparsed.doubleValue == value)
        #expect(reparsed.doubleValue?.sign == value.sign)
        #expect(reparsed == .double(value), "a double must parse back as a double, not an integer")
    }

    @Test("NaN and infinities serialize as null")
    func nonFiniteAsNull() {
        #expect(JSONValue.double(.nan).serialized() == "null")
        #expect(JSONValue.double(.infinity).serialized() == "null")
        #expect(JSONValue.array([.double(-.infinity)]).serialized() == "[null]")
    }
}
