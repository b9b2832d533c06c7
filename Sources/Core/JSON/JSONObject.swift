/// A JSON object: string keys mapped to values, in the order the keys were
/// first inserted, with constant-time lookup by key.
///
/// Objects of up to `linearSearchCountMax` keys, which is most records,
/// find keys by comparing them in turn; larger ones keep a hash index. The
/// comparisons are bounded by that constant, and for small objects they are
/// cheaper than hashing, and save the index's allocation.
///
/// Equality and hashing ignore key order, as JSON does: `{"a":1,"b":2}` equals
/// `{"b":2,"a":1}`. Iteration and serialization follow insertion order, so a
/// parsed document prints back with its keys where the author put them.
///
/// # Thread safety
/// A value type with no shared mutable state: safe to send and to read from
/// several threads at once.
public struct JSONObject: Sendable, Hashable, Sequence {
    public typealias Element = (key: String, value: JSONValue)

    /// Keys in insertion order; `values[i]` belongs to `keys[i]`.
    public private(set) var keys: [String]
    /// Values in the order of `keys`.
    public private(set) var values: [JSONValue]
    /// Position of each key in `keys`, kept in step with `keys` on every
    /// write; nil while the object has at most `linearSearchCountMax` keys.
    private var positions: [String: Int]?

    /// The most keys an object holds before it builds a hash index.
    public static let linearSearchCountMax = 8

    /// Creates an empty object.
    public init() {
        keys = []
        values = []
        positions = nil
    }

    /// The position of `key` in `keys`.
    @inline(__always)
    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return keys.firstIndex(of: key)
    }

    /// Creates an object from key-value pairs; a later pair with the same key
    /// replaces the value of the earlier one and keeps its position.
    public init<Pairs: Sequence>(_ pairs: Pairs) where Pairs.Element == (String, JSONValue) {
        self.init()
        for (key, value) in pairs {
            self[key] = value
        }
    }

    /// The number of keys.
    public var count: Int { keys.count }

    /// Whether the object has no keys.
    public var isEmpty: Bool { keys.isEmpty }

    /// Whether `key` is present (its value may be `.null`).
    public func contains(key: String) -> Bool {
        position(of: key) != nil
    }

    /// The value for `key`, or nil when the key is absent.
    ///
    /// Setting a value for a new key appends the key; setting one for an
    /// existing key replaces the value in place; setting nil removes the key
    /// (linear in the number of keys, because later positions shift).
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return values[position]
        }
        set {
            if let newValue {
                if let position = position(of: key) {
                    values[position] = newValue
                } else {
                    appendNew(key: key, value: newValue)
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Removes `key` and returns its value, or nil when it was absent.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        keys.remove(at: position)
        let removed = values.remove(at: position)
        if positions != nil {
            positions![key] = nil
            for later in position..<keys.count {
                positions![keys[later]] = later
            }
            assert(positions!.count == keys.count)
        }
        return removed
    }

    /// Appends `key` known to be absent. The parser uses this after checking
    /// for duplicates itself, which saves a second lookup.
    mutating func appendNew(key: String, value: JSONValue) {
        assert(position(of: key) == nil, "appendNew called with a key that is already present")
        keys.append(key)
        values.append(value)
        if positions != nil {
            positions![key] = keys.count - 1
        } else if keys.count > Self.linearSearchCountMax {
            var index: [String: Int] = [:]
            index.reserveCapacity(keys.count * 2)
            for (position, existing) in keys.enumerated() { index[existing] = position }
            positions = index
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(object: self)
    }

    /// Iterates key-value pairs in insertion order.
    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var position = 0

        public mutating func next() -> Element? {
            guard position < object.keys.count else { return nil }
            defer { position += 1 }
            return (object.keys[position], object.values[position])
        }
    }

    public var underestimatedCount: Int { keys.count }

    public static func == (left: JSONObject, right: JSONObject) -> Bool {
        guard left.count == right.count else { return false }
        for (key, value) in left {
            guard let other = right[key], other == value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order must not matter, so combine per-entry hashes with a
        // commutative operation, as Dictionary does.
        var entries = 0
        for (key, value) in self {
            var entryHasher = Hasher()
            entryHasher.combine(key)
            entryHasher.combine(value)
            entries ^= entryHasher.finalize()
        }
        hasher.combine(count)
        hasher.combine(entries)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Creates an object from a literal; keys keep their written order.
    /// A repeated key in the literal is a programmer error.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (key, value) in elements {
            precondition(!contains(key: key), "duplicate key '\(key)' in JSONObject literal")
            appendNew(key: key, value: value)
        }
    }
}

extension JSONObject: CustomStringConvertible {
    /// The object as compact JSON.
    public var description: String { JSONValue.object(self).serialized() }
}
