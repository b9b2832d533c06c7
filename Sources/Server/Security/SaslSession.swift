import KafkaProtocol

/// The SASL state of one connection on a SASL listener: the request gate
/// in front of the broker.
///
/// Before authentication only ApiVersions (passed to the broker),
/// SaslHandshake and SaslAuthenticate are answered; any other request
/// closes the connection, as Kafka does. SaslHandshake v1 is followed by
/// SaslAuthenticate requests; v0 (KIP-43) by raw SASL tokens, each a
/// size-prefixed frame without a request header. A failed login gets
/// SASL_AUTHENTICATION_FAILED (v1) and the connection closes; an unknown
/// mechanism gets UNSUPPORTED_SASL_MECHANISM with the enabled list, then
/// the connection closes. Re-authentication (KIP-368) is not offered:
/// SessionLifetimeMs is 0.
///
/// # Thread safety
/// One per connection, used by that connection's task only.
struct SaslSession {
    /// What the connection does with a frame.
    enum Decision: Equatable {
        /// Hand the frame to the broker (ApiVersions, or anything once
        /// authenticated).
        case forward
        /// Send this frame (size prefix included).
        case respond([UInt8])
        /// Send this frame, then close; the reason is logged.
        case respondAndClose([UInt8], reason: String)
        /// Close at once; the reason is logged.
        case close(reason: String)
    }

    private enum State {
        case awaitingHandshake
        /// After SaslHandshake: tokens come in SaslAuthenticate requests
        /// (v1) or raw (v0).
        case authenticating(SaslMechanism, raw: Bool, scram: ScramServerExchange?)
        case authenticated(user: String)
    }

    private var state = State.awaitingHandshake
    let mechanisms: [SaslMechanism]
    let credentials: CredentialStore
    let listener: Listener
    /// Fixes the SCRAM server nonce (tests with RFC 7677's messages).
    let serverNonce: @Sendable () -> String

    init(
        listener: Listener, mechanisms: [SaslMechanism], credentials: CredentialStore,
        serverNonce: @escaping @Sendable () -> String = ScramServerExchange.randomNonce
    ) {
        self.listener = listener
        self.mechanisms = mechanisms
        self.credentials = credentials
        self.serverNonce = serverNonce
    }

    /// The authenticated user, once the exchange succeeded.
    var user: String? {
        if case .authenticated(let user) = state { user } else { nil }
    }

    /// Decides what to do with one frame (without its size prefix).
    /// - Parameter derive: runs a key derivation (PBKDF2, milliseconds)
    ///   off the cooperative pool.
    mutating func handle(
        frame: [UInt8], derive: (@escaping @Sendable () -> Authentication) async -> Authentication
    ) async -> Decision {
        switch state {
        case .authenticated:
            return .forward
        case .authenticating(let mechanism, raw: true, let scram):
            let outcome = await authenticate(mechanism, scram, token: frame, derive: derive)
            switch outcome {
            case .challenge(let bytes, let next):
                state = .authenticating(mechanism, raw: true, scram: next)
                return .respond(Self.rawFrame(bytes))
            case .success(let bytes, let user):
                state = .authenticated(user: user)
                return .respond(Self.rawFrame(bytes))
            case .failure(let reason):
                return .close(reason: "SASL \(mechanism.rawValue) authentication failed: \(reason)")
            }
        case .awaitingHandshake, .authenticating(_, raw: false, _):
            break
        }
        guard let prefix = RequestHeader.peek(frame), let api = ApiKey(rawValue: prefix.apiKey) else {
            return .close(reason: "a frame that is not a Kafka request before SASL authentication")
        }
        switch api {
        case .apiVersions:
            return .forward
        case .saslHandshake:
            return handshake(frame)
        case .saslAuthenticate:
            return await authenticateRequest(frame, derive: derive)
        default:
            return .close(
                reason: "\(api) before SASL authentication on listener \(listener); only ApiVersions, SaslHandshake and "
                    + "SaslAuthenticate are answered until the client logs in")
        }
    }

    private func decode(_ frame: [UInt8], _ api: ApiKey) -> Request? {
        guard let request = try? Request.decode(frame: frame), request.api == api,
            Broker.saslServed[api]?.contains(request.version) == true
        else { return nil }
        return request
    }

    private mutating func handshake(_ frame: [UInt8]) -> Decision {
        guard case .awaitingHandshake = state else {
            return .close(reason: "a second SaslHandshake on one connection (re-authentication is not offered)")
        }
        guard let request = decode(frame, .saslHandshake) else {
            return .close(reason: "a malformed or unsupported SaslHandshake")
        }
        let asked = request.body.string("Mechanism") ?? ""
        let enabled = ProtocolValue.array(mechanisms.map { .string($0.rawValue) })
        guard let mechanism = SaslMechanism(rawValue: asked), mechanisms.contains(mechanism) else {
            let answer = response(request, ["ErrorCode": ErrorCode.unsupportedSaslMechanism.value, "Mechanisms": enabled])
            return .respondAndClose(
                answer,
                reason: "SASL mechanism \(asked) is not enabled (sasl.enabled.mechanisms: "
                    + "\(mechanisms.map(\.rawValue).joined(separator: ",")))")
        }
        state = .authenticating(
            mechanism, raw: request.version == 0,
            scram: mechanism == .scramSHA256
                ? ScramServerExchange(lookup: { [credentials] in credentials.credential(for: $0) }, serverNonce: serverNonce())
                : nil)
        return .respond(response(request, ["ErrorCode": ErrorCode.none.value, "Mechanisms": enabled]))
    }

    private mutating func authenticateRequest(
        _ frame: [UInt8], derive: (@escaping @Sendable () -> Authentication) async -> Authentication
    ) async -> Decision {
        guard case .authenticating(let mechanism, raw: false, let scram) = state else {
            return .close(reason: "SaslAuthenticate before a SaslHandshake v1 named the mechanism")
        }
        guard let request = decode(frame, .saslAuthenticate) else {
            return .close(reason: "a malformed or unsupported SaslAuthenticate")
        }
        let token = Array(request.body["AuthBytes"]?.bytes ?? [])
        let outcome = await authenticate(mechanism, scram, token: token, derive: derive)
        switch outcome {
        case .challenge(let bytes, let next):
            state = .authenticating(mechanism, raw: false, scram: next)
            return .respond(response(request, Self.authenticateBody(.none, message: nil, bytes)))
        case .success(let bytes, let user):
            state = .authenticated(user: user)
            return .respond(response(request, Self.authenticateBody(.none, message: nil, bytes)))
        case .failure(let reason):
            // The client learns only that its credentials were refused; the
            // details go to the server's log.
            let message = "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                + mechanism.rawValue
            return .respondAndClose(
                response(request, Self.authenticateBody(.saslAuthenticationFailed, message: message, [])),
                reason: "SASL \(mechanism.rawValue) authentication failed: \(reason)")
        }
    }

    /// One step of a mechanism.
    enum Authentication: Sendable {
        case challenge([UInt8], next: ScramServerExchange?)
        case success([UInt8], user: String)
        case failure(String)
    }

    private func authenticate(
        _ mechanism: SaslMechanism, _ scram: ScramServerExchange?, token: [UInt8],
        derive: (@escaping @Sendable () -> Authentication) async -> Authentication
    ) async -> Authentication {
        switch mechanism {
        case .plain:
            let credentials = credentials
            return await derive { Self.plain(token, credentials: credentials) }
        case .scramSHA256:
            guard var exchange = scram else { return .failure("the SCRAM exchange is already finished") }
            // Only the final step computes HMACs, which take microseconds:
            // no derivation, so it runs here.
            switch exchange.receive(token) {
            case .challenge(let bytes): return .challenge(bytes, next: exchange)
            case .success(let bytes, let user): return .success(bytes, user: user)
            case .failure(let reason): return .failure(reason)
            }
        }
    }

    /// PLAIN (RFC 4616): `[authzid] NUL authcid NUL password`, checked by
    /// deriving the stored SCRAM keys with the user's salt.
    static func plain(_ token: [UInt8], credentials: CredentialStore) -> Authentication {
        let parts = token.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let authorization = String(bytes: parts[0], encoding: .utf8),
            let user = String(bytes: parts[1], encoding: .utf8), let password = String(bytes: parts[2], encoding: .utf8),
            !user.isEmpty
        else { return .failure("malformed PLAIN message") }
        guard authorization.isEmpty || authorization == user else {
            return .failure("authorization id \(authorization) differs from user \(user)")
        }
        guard let credential = credentials.credential(for: user) else {
            // Derive anyway, so an unknown user takes as long as a wrong
            // password and the time does not tell which names exist.
            _ = ScramCredential(password: password, salt: unknownUserSalt, iterations: ScramCredential.iterationsDefault)
            return .failure("unknown user \(user)")
        }
        guard credential.matches(password: password) else { return .failure("wrong password for user \(user)") }
        return .success([], user: user)
    }

    private static let unknownUserSalt = [UInt8](repeating: 0x5A, count: ScramCredential.saltBytes)

    private func response(_ request: Request, _ fields: [String: ProtocolValue]) -> [UInt8] {
        Response(
            correlationId: request.header.correlationId, api: request.api, version: request.version,
            body: ProtocolStruct(fields)
        ).encodeFrame()
    }

    private static func authenticateBody(_ code: ErrorCode, message: String?, _ bytes: [UInt8]) -> [String: ProtocolValue] {
        [
            "ErrorCode": code.value, "ErrorMessage": message.map(ProtocolValue.string) ?? .null, "AuthBytes": .bytes(bytes[...]),
            "SessionLifetimeMs": .int(0),
        ]
    }

    /// A raw SASL token (after SaslHandshake v0): its size, then its bytes.
    static func rawFrame(_ bytes: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: Int32(bytes.count).bigEndian, Array.init) + bytes
    }
}
