import StockSyncDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The app's OAuth client credentials (the Dev Dashboard's client ID and secret). The secret
/// is never described.
package struct ShopifyAppCredentials: Sendable, CustomStringConvertible {
    package var clientID: String
    package var clientSecret: String

    package init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    package var description: String { "client \(clientID)" }
}

/// What Shopify's token endpoint grants: an offline access token and, for an expiring one,
/// its lifetime and the refresh token that replaces it
/// (https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh:
/// `access_token`, `expires_in`, `refresh_token`).
package struct AccessGrant: Sendable, Equatable, Decodable {
    package var accessToken: String
    /// The scopes granted, comma-separated.
    package var scope: String
    /// Seconds the access token lives; nil for a token that does not expire.
    package var expiresIn: Int?
    package var refreshToken: String?
    package var refreshTokenExpiresIn: Int?

    package init(accessToken: String, scope: String, expiresIn: Int? = nil, refreshToken: String? = nil,
                 refreshTokenExpiresIn: Int? = nil) {
        self.accessToken = accessToken
        self.scope = scope
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.refreshTokenExpiresIn = refreshTokenExpiresIn
    }

    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", scope, expiresIn = "expires_in", refreshToken = "refresh_token"
        case refreshTokenExpiresIn = "refresh_token_expires_in"
    }

    /// An expiring token, which comes with the refresh token that replaces it.
    package var isExpiring: Bool { expiresIn != nil && refreshToken != nil }
}

extension AccessGrant: CustomStringConvertible {
    /// Never the tokens.
    package var description: String {
        "a grant of \(scope)" + (expiresIn.map { ", expiring in \($0) s" } ?? ", not expiring")
    }
}

extension AccessGrant {
    /// The token as stocksync holds it, issued at `now`.
    package func token(issuedAt now: Date) -> ShopAccessToken {
        guard let expiresIn, let refreshToken else { return ShopAccessToken(accessToken: accessToken) }
        return ShopAccessToken(accessToken: accessToken, expiry: .init(
            issuedAt: now, expiresAt: now.addingTimeInterval(Double(expiresIn)), refreshToken: refreshToken,
            refreshTokenExpiresAt: refreshTokenExpiresIn.map { now.addingTimeInterval(Double($0)) }))
    }
}

/// Why the token endpoint granted nothing. `isRetriable` tells an outage (try again, the
/// old pair still works) from a refusal (the grant is gone: the shop must install again).
package struct TokenEndpointError: Error, Sendable, CustomStringConvertible {
    private enum Kind: Sendable {
        case unavailable(String)
        case refused(status: Int, error: String)
    }

    private let kind: Kind

    static func unavailable(_ detail: String) -> Self { Self(kind: .unavailable(detail)) }
    static func refused(status: Int, error: String) -> Self { Self(kind: .refused(status: status, error: error)) }

    package var isRetriable: Bool {
        if case .unavailable = kind { return true }
        return false
    }

    /// The grant itself is refused (RFC 6749 §5.2 `invalid_grant`: the refresh token revoked,
    /// used up or expired), not the app's credentials: only installing the app again helps.
    package var isGrantRefused: Bool {
        if case .refused(_, "invalid_grant") = kind { return true }
        return false
    }

    package var description: String {
        switch kind {
        case .unavailable(let detail): "Shopify's token endpoint did not answer: \(detail)"
        case .refused(let status, let error): "Shopify's token endpoint refused the grant (HTTP \(status), \(error))"
        }
    }
}

/// `POST {shop}/admin/oauth/access_token`: the authorization code exchanged for an expiring
/// offline token (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant),
/// and a refresh token exchanged for the next pair. Shopify replaces the refresh token each
/// time it is used, and the one used stays usable until its replacement is
/// (https://shopify.dev/changelog/more-resilient-refreshes-for-expiring-offline-access-tokens):
/// a refresh whose answer was lost can be asked again with the same token.
package struct OAuthTokenEndpoint {
    package let credentials: ShopifyAppCredentials
    private let transport: any HTTPTransport

    package init(credentials: ShopifyAppCredentials, transport: any HTTPTransport) {
        self.credentials = credentials
        self.transport = transport
    }

    /// Over libcurl, TLS verified except on loopback (the simulator).
    package init(credentials: ShopifyAppCredentials, adminBaseURL: String) throws(TransportError) {
        let loopback = ShopConnection(shop: "", adminBaseURL: adminBaseURL, accessToken: "").isLoopback
        self.init(credentials: credentials, transport: try CurlTransport(totalTimeout: .seconds(15), verifyTLS: !loopback))
    }

    /// An authorization code for an expiring offline token (`expiring=1`: without it Shopify
    /// grants a token that never expires, which public apps may no longer use).
    package func exchange(code: String, adminBaseURL: String) throws(TokenEndpointError) -> AccessGrant {
        try grant(adminBaseURL, [("code", code), ("expiring", "1")])
    }

    package func refresh(_ refreshToken: String, adminBaseURL: String) throws(TokenEndpointError) -> AccessGrant {
        try grant(adminBaseURL, [("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
    }

    private func grant(_ adminBaseURL: String, _ fields: [(String, String)]) throws(TokenEndpointError) -> AccessGrant {
        let body = FormEncoding.encode([("client_id", credentials.clientID), ("client_secret", credentials.clientSecret)] + fields)
        let response: HTTPResponse
        do {
            response = try transport.post("\(adminBaseURL)/admin/oauth/access_token", headers: [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
            ], body: Array(body.utf8))
        } catch {
            throw .unavailable(error.description)
        }
        switch response.status {
        case 200..<300:
            guard let grant = try? JSONDecoder().decode(AccessGrant.self, from: Data(response.body)), !grant.accessToken.isEmpty else {
                throw .unavailable("an answer that is not a grant")
            }
            return grant
        case 429, 500...:
            throw .unavailable("HTTP \(response.status)")
        default:
            // RFC 6749 §5.2: {"error": "invalid_grant", ...}; only the code is kept, never the body.
            struct Refusal: Decodable { var error: String }
            let error = (try? JSONDecoder().decode(Refusal.self, from: Data(response.body)))?.error ?? "no error code"
            throw .refused(status: response.status, error: String(error.prefix(64)))
        }
    }
}

/// `application/x-www-form-urlencoded`, as the token endpoint takes it and OAuth callbacks
/// carry their parameters.
package enum FormEncoding {
    package static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// Pairs in order; `+` is a space; a malformed escape is kept as it is.
    package static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (unescape(parts[0]), parts.count > 1 ? unescape(parts[1]) : "")
        }
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                escaped += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return escaped
    }

    private static func unescape(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                      let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
