import Crypto
import Foundation

/// Shopify access tokens as `shops` keeps them: sealed with AES-256-GCM under the
/// deployment's key (`STOCKSYNC_TOKEN_KEY`), bound to their shop's domain, so that a copy
/// of the database (a dump, a backup, a replica) holds no usable token and a sealed token
/// moved to another shop's row does not open. A second, previous key opens what it sealed
/// while a rotation is under way (`stocksync shop reseal` seals everything again under the
/// current one).
///
/// Sealed form: `v1.<key id>.<base64 of nonce, ciphertext and tag>`; the key id (the first
/// 8 bytes of SHA-256 over the key, in hex) tells which key sealed a token without
/// revealing the key.
package struct AccessTokenCipher: Sendable {
    private struct Key: Sendable {
        let id: String
        // Bytes rather than `SymmetricKey`, which is not `Sendable` here.
        private let bytes: [UInt8]
        var key: SymmetricKey { SymmetricKey(data: bytes) }

        init(base64 text: String) throws(AccessTokenKeyProblem) {
            guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .notBase64
            }
            guard bytes.count == 32 else { throw .wrongLength(bytes.count) }
            self.bytes = Array(bytes)
            id = SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
        }
    }

    private let current: Key
    private let previous: Key?

    /// - Parameters:
    ///   - key: 32 random bytes in base64 (`openssl rand -base64 32`).
    ///   - previous: the key being rotated away from, if any.
    package init(key: String, previous: String? = nil) throws(AccessTokenKeyProblem) {
        current = try Key(base64: key)
        self.previous = try previous.map { text throws(AccessTokenKeyProblem) in try Key(base64: text) }
    }

    /// A fresh key in the form `init` takes.
    package static func generateKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The current key's id, as sealed tokens name it.
    package var keyID: String { current.id }

    /// Whether a token sealed with this key id opens here.
    package func opens(keyID: String) -> Bool {
        keyID == current.id || keyID == previous?.id
    }

    package func seal(_ token: String, shop: String) -> String {
        // AES-GCM with a random 96-bit nonce: `seal` cannot fail for these sizes.
        let box = try! AES.GCM.seal(Data(token.utf8), using: current.key, authenticating: Data(shop.utf8))
        return "v1.\(current.id).\(box.combined!.base64EncodedString())"
    }

    package func open(_ sealed: String, shop: String) throws(AccessTokenSealProblem) -> String {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let combined = Data(base64Encoded: String(parts[2])) else {
            throw AccessTokenSealProblem(shop: shop, reason: "is not a sealed token")
        }
        let keyID = String(parts[1])
        guard let key = [current, previous].compactMap({ $0 }).first(where: { $0.id == keyID }) else {
            throw AccessTokenSealProblem(shop: shop, reason: "was sealed with another key (id \(keyID))")
        }
        guard let box = try? AES.GCM.SealedBox(combined: combined),
              let token = try? AES.GCM.open(box, using: key.key, authenticating: Data(shop.utf8)) else {
            throw AccessTokenSealProblem(shop: shop, reason: "does not open with its key (altered, or moved from another shop)")
        }
        return String(decoding: token, as: UTF8.self)
    }

    /// The key id a sealed token names, nil if it is not in the sealed form.
    package static func keyID(of sealed: String) -> String? {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "v1" ? String(parts[1]) : nil
    }
}

/// Why a key setting cannot be used; never repeats the key.
package enum AccessTokenKeyProblem: Error, CustomStringConvertible, Sendable {
    case notBase64
    case wrongLength(Int)

    package var description: String {
        switch self {
        case .notBase64: return "must be 32 random bytes in base64 (openssl rand -base64 32)"
        case .wrongLength(let count): return "must be 32 bytes in base64, not \(count) (openssl rand -base64 32)"
        }
    }
}

/// A shop's stored token that cannot be opened with the keys configured.
package struct AccessTokenSealProblem: Error, CustomStringConvertible, Sendable {
    package let shop: String
    package let reason: String

    package var description: String {
        "the access token of \(shop) \(reason): STOCKSYNC_TOKEN_KEY (and STOCKSYNC_TOKEN_KEY_PREVIOUS during a rotation) must be the key it was sealed with"
    }
}
