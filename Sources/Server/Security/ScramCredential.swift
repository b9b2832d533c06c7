import Crypto

/// One user's SCRAM-SHA-256 keys (RFC 5802 §3): what is stored instead of
/// the password. From them a server can check a SCRAM proof, and a PLAIN
/// password by deriving again with the same salt, but cannot recover the
/// password.
public struct ScramCredential: Sendable, Equatable {
    public var salt: [UInt8]
    public var iterations: Int
    /// H(HMAC(SaltedPassword, "Client Key")).
    public var storedKey: [UInt8]
    /// HMAC(SaltedPassword, "Server Key").
    public var serverKey: [UInt8]

    /// Kafka's bounds for SCRAM-SHA-256 iterations: RFC 7677 asks for at
    /// least 4096; the top keeps one login's derivation in milliseconds.
    public static let iterationsRange = 4096...16_384
    public static let iterationsDefault = 4096
    /// Bytes of random salt for a new credential.
    public static let saltBytes = 32

    public init(salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]) {
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Derives the keys of `password` with `salt`.
    public init(password: String, salt: [UInt8], iterations: Int) {
        precondition(iterations > 0, "SCRAM needs at least one iteration")
        let salted = Scram.saltedPassword(Array(password.utf8), salt: salt, iterations: iterations)
        self.init(
            salt: salt, iterations: iterations,
            storedKey: Scram.sha256(Scram.hmac(key: salted, Array("Client Key".utf8))),
            serverKey: Scram.hmac(key: salted, Array("Server Key".utf8)))
    }

    /// A credential for `password` with a fresh random salt.
    public static func make(password: String, iterations: Int = iterationsDefault) -> ScramCredential {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return ScramCredential(password: password, salt: salt, iterations: iterations)
    }

    /// Whether `password` derives these keys (PLAIN), compared in constant
    /// time.
    public func matches(password: String) -> Bool {
        let derived = ScramCredential(password: password, salt: salt, iterations: iterations)
        return Scram.constantTimeEqual(derived.storedKey, storedKey)
    }
}

/// SCRAM-SHA-256's primitives (RFC 5802 §2.2) over swift-crypto.
enum Scram {
    static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    static func sha256(_ data: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: data)) }

    /// Hi(password, salt, i): PBKDF2 with HMAC-SHA-256 and one output
    /// block (RFC 8018 §5.2 with dkLen = 32).
    static func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var block = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var result = block
        for _ in 1..<max(1, iterations) {
            block = Array(HMAC<SHA256>.authenticationCode(for: block, using: key))
            for index in result.indices { result[index] ^= block[index] }
        }
        return result
    }

    /// Compares without stopping at the first difference, so the time
    /// taken says nothing about how much of a key an attacker guessed.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
