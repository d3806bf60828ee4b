import Crypto
import Foundation

/// The `hmac` Shopify adds to the query of each request it sends a merchant to the app with
/// (the install request and the OAuth callback,
/// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant):
/// the hex HMAC-SHA256, keyed with the app's client secret, of every other parameter, decoded,
/// sorted by name and joined as `name=value` pairs with `&` (`signature`, of Shopify's older
/// scheme, is left out too).
package enum QuerySignature {
    package static let parameter = "hmac"
    static let unsigned: Set<String> = [parameter, "signature"]

    package static func signature(of parameters: [(String, String)], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(message(parameters).utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether the query carries the signature of one of `secrets` (the current, then the
    /// previous while it is rotated), compared in constant time.
    package static func isSigned(_ parameters: [(String, String)], secrets: [String]) -> Bool {
        let given = parameters.filter { $0.0 == parameter }
        guard given.count == 1, let code = bytes(hex: given[0].1) else { return false }
        let message = Array(message(parameters).utf8)
        return secrets.contains {
            HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: message, using: SymmetricKey(data: Array($0.utf8)))
        }
    }

    private static func message(_ parameters: [(String, String)]) -> String {
        parameters.filter { !unsigned.contains($0.0) }.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
