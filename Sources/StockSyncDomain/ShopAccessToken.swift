#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A shop's Admin API access token as stocksync holds it: a custom app's token, which never
/// expires, or an expiring offline token with the refresh token that replaces it
/// (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens:
/// the access token lives 60 minutes, the refresh token 90 days).
package struct ShopAccessToken: Sendable, Equatable, CustomStringConvertible {
    package var accessToken: String
    /// Set for an expiring token.
    package var expiry: Expiry?

    package struct Expiry: Sendable, Equatable, CustomStringConvertible {
        package var issuedAt: Date
        package var expiresAt: Date
        package var refreshToken: String
        package var refreshTokenExpiresAt: Date?

        package init(issuedAt: Date, expiresAt: Date, refreshToken: String, refreshTokenExpiresAt: Date?) {
            self.issuedAt = issuedAt
            self.expiresAt = expiresAt
            self.refreshToken = refreshToken
            self.refreshTokenExpiresAt = refreshTokenExpiresAt
        }

        /// Never the refresh token.
        package var description: String { "expires \(Timestamp.format(expiresAt))" }
    }

    package init(accessToken: String, expiry: Expiry? = nil) {
        self.accessToken = accessToken
        self.expiry = expiry
    }

    /// Whether to refresh it at `now`: within `ahead` of its expiry, or past it. Never in the
    /// first half of its life, whatever `ahead` is, so that a token shorter-lived than
    /// expected is not refreshed on every call.
    package func isDueForRefresh(at now: Date, ahead: Duration) -> Bool {
        guard let expiry else { return false }
        let lifetime = max(0, expiry.expiresAt.timeIntervalSince(expiry.issuedAt))
        let lead = min(Double(ahead.components.seconds) + Double(ahead.components.attoseconds) * 1e-18, lifetime / 2)
        return now >= expiry.expiresAt.addingTimeInterval(-lead)
    }

    /// Never the tokens.
    package var description: String {
        guard let expiry else { return "a token that does not expire" }
        return "an expiring token (\(expiry))"
    }
}
