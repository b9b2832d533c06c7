import Foundation

/// The server side of one SCRAM-SHA-256 exchange (RFC 5802 §3, RFC 7677):
/// client-first → server-first (nonce, salt, iterations); client-final
/// (proof) → server-final (verifier), or a failure.
///
/// Channel binding is not offered (gs2 flag `n` or `y`); Kafka's
/// delegation-token extension (`tokenauth`) is refused.
struct ScramServerExchange: Sendable {
    /// What to answer a client message.
    enum Step: Equatable {
        /// server-first-message; the client's final message comes next.
        case challenge([UInt8])
        /// server-final-message: the client proved its password.
        case success([UInt8], user: String)
        /// The exchange failed; the reason is for the server's log and
        /// the client's error message.
        case failure(String)
    }

    private enum State {
        case awaitingClientFirst
        case awaitingClientFinal(user: String, credential: ScramCredential, nonce: String, gs2Header: String, authPrefix: String)
        case finished
    }

    private var state = State.awaitingClientFirst
    private let lookup: @Sendable (String) -> ScramCredential?
    private let serverNonce: String

    /// - Parameter lookup: the stored credential of a user, nil when unknown.
    /// - Parameter serverNonce: this exchange's half of the nonce
    ///   (printable, no comma); random unless a test fixes it.
    init(lookup: @escaping @Sendable (String) -> ScramCredential?, serverNonce: String = ScramServerExchange.randomNonce()) {
        self.lookup = lookup
        self.serverNonce = serverNonce
    }

    /// 24 random bytes in base64: printable and comma-free, as the
    /// nonce's grammar asks.
    static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
    }

    static let invalidCredentials = "invalid credentials"

    mutating func receive(_ message: [UInt8]) -> Step {
        let current = state
        state = .finished
        guard let text = String(bytes: message, encoding: .utf8) else { return .failure("the SCRAM message is not UTF-8") }
        switch current {
        case .awaitingClientFirst:
            return clientFirst(text)
        case .awaitingClientFinal(let user, let credential, let nonce, let gs2Header, let authPrefix):
            return clientFinal(text, user: user, credential: credential, nonce: nonce, gs2Header: gs2Header, authPrefix: authPrefix)
        case .finished:
            return .failure("the SCRAM exchange is already finished")
        }
    }

    // client-first-message = gs2-header client-first-message-bare
    // gs2-header = gs2-cbind-flag "," [ authzid ] ","
    // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    private mutating func clientFirst(_ text: String) -> Step {
        let parts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure("malformed client-first-message") }
        guard parts[0] == "n" || parts[0] == "y" else {
            return .failure("channel binding (\(parts[0])) is not supported; use gs2 flag n")
        }
        let gs2Header = "\(parts[0]),\(parts[1]),"
        let bare = String(parts[2])
        let attributes = bare.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard attributes.count >= 2, attributes[0].hasPrefix("n="), attributes[1].hasPrefix("r="),
            let user = Self.decodeSaslName(String(attributes[0].dropFirst(2))), !user.isEmpty
        else { return .failure("malformed client-first-message: expected n=USER,r=NONCE") }
        let clientNonce = String(attributes[1].dropFirst(2))
        guard !clientNonce.isEmpty else { return .failure("malformed client-first-message: empty nonce") }
        if parts[1].hasPrefix("a=") {
            // Acting for another user is not supported: the authorization
            // id, when given, must be the user authenticating.
            guard Self.decodeSaslName(String(parts[1].dropFirst(2))) == user else {
                return .failure("authorization id \(parts[1].dropFirst(2)) differs from user \(user)")
            }
        } else if !parts[1].isEmpty {
            return .failure("malformed gs2 header")
        }
        if attributes.dropFirst(2).contains(where: { $0.hasPrefix("tokenauth=") }) {
            return .failure("delegation tokens (tokenauth) are not supported")
        }
        guard let credential = lookup(user) else { return .failure(Self.invalidCredentials) }
        let nonce = clientNonce + serverNonce
        let serverFirst = "r=\(nonce),s=\(Data(credential.salt).base64EncodedString()),i=\(credential.iterations)"
        state = .awaitingClientFinal(
            user: user, credential: credential, nonce: nonce, gs2Header: gs2Header, authPrefix: bare + "," + serverFirst)
        return .challenge(Array(serverFirst.utf8))
    }

    // client-final-message = channel-binding "," nonce ["," extensions] "," proof
    private func clientFinal(
        _ text: String, user: String, credential: ScramCredential, nonce: String, gs2Header: String, authPrefix: String
    ) -> Step {
        guard let proofStart = text.range(of: ",p=", options: .backwards) else {
            return .failure("malformed client-final-message: no proof")
        }
        let withoutProof = String(text[..<proofStart.lowerBound])
        let attributes = withoutProof.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 2, attributes[0].hasPrefix("c="), attributes[1].hasPrefix("r=") else {
            return .failure("malformed client-final-message: expected c=…,r=…,p=…")
        }
        guard Data(base64Encoded: String(attributes[0].dropFirst(2))) == Data(gs2Header.utf8) else {
            return .failure("the channel binding does not repeat the gs2 header")
        }
        guard attributes[1].dropFirst(2) == nonce else { return .failure("the nonce does not match the server's") }
        guard let proof = Data(base64Encoded: String(text[proofStart.upperBound...])).map(Array.init),
            proof.count == credential.storedKey.count
        else { return .failure("malformed client proof") }
        let authMessage = Array((authPrefix + "," + withoutProof).utf8)
        let clientSignature = Scram.hmac(key: credential.storedKey, authMessage)
        let clientKey = zip(proof, clientSignature).map { $0 ^ $1 }
        guard Scram.constantTimeEqual(Scram.sha256(clientKey), credential.storedKey) else {
            return .failure(Self.invalidCredentials)
        }
        let serverSignature = Scram.hmac(key: credential.serverKey, authMessage)
        return .success(Array("v=\(Data(serverSignature).base64EncodedString())".utf8), user: user)
    }

    /// saslname: `=2C` stands for a comma, `=3D` for `=`; any other `=`
    /// is malformed (nil).
    static func decodeSaslName(_ text: String) -> String? {
        var result = ""
        var rest = Substring(text)
        while let equals = rest.firstIndex(of: "=") {
            result += rest[..<equals]
            let escape = rest[equals...].prefix(3)
            switch escape {
            case "=2C": result += ","
            case "=3D": result += "="
            default: return nil
            }
            rest = rest[rest.index(equals, offsetBy: 3)...]
        }
        return result + rest
    }
}
