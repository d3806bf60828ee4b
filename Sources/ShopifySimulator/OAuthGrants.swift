import Foundation
import ShopifyWebhooks
import StockSyncShopify

/// The app's OAuth on the simulated stores, as Shopify runs it: the authorize page (the
/// merchant approves at once), the token endpoint's code and refresh grants, and expiring
/// offline tokens
/// (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant,
/// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens):
/// - a code is exchanged once, for an expiring token when asked with `expiring=1`;
/// - one expiring token is active per app and shop: a new grant revokes the one before;
/// - a refresh replaces the access token and the refresh token; the refresh token used stays
///   usable until its replacement is used
///   (https://shopify.dev/changelog/more-resilient-refreshes-for-expiring-offline-access-tokens);
/// - an expired token is answered 401, as is any token after the app is uninstalled.
/// Shopify does not say whether the access token a refresh replaces keeps working until it
/// expires; here it stops at once, the harder case for a client.
extension ShopifySimulator {
    /// The app's credentials and its tokens' lifetimes.
    package struct App: Codable, Sendable, Equatable {
        package var clientId = "stocksync-development"
        package var clientSecret = "stocksync-development-secret"
        /// Shopify's: 60 minutes, and 90 days.
        package var accessTokenSeconds = 3_600.0
        package var refreshTokenSeconds = 90 * 86_400.0
        /// Attempts of a delivery to an Admin API subscription before it is given up and the
        /// subscription removed (Shopify: 8, over 4 hours; fewer here for tests).
        package var deliveryAttempts = 8

        package init() {}

        /// Each field optional: what is not given keeps Shopify's value.
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = App()
            clientId = try container.decodeIfPresent(String.self, forKey: .clientId) ?? defaults.clientId
            clientSecret = try container.decodeIfPresent(String.self, forKey: .clientSecret) ?? defaults.clientSecret
            accessTokenSeconds = try container.decodeIfPresent(Double.self, forKey: .accessTokenSeconds) ?? defaults.accessTokenSeconds
            refreshTokenSeconds = try container.decodeIfPresent(Double.self, forKey: .refreshTokenSeconds) ?? defaults.refreshTokenSeconds
            deliveryAttempts = max(1, try container.decodeIfPresent(Int.self, forKey: .deliveryAttempts) ?? defaults.deliveryAttempts)
        }
    }

    package func setApp(_ app: App) {
        self.app = app
    }

    package enum Authorization: Sendable {
        /// Where the merchant's browser is sent: the app's redirect URI with the code.
        case redirect(String)
        case refused(status: Int, reason: String)
    }

    /// `GET /admin/oauth/authorize?client_id&scope&redirect_uri&state[&grant_options[]]`.
    package func authorize(shop domain: String, query: [(String, String)]) -> Authorization {
        func value(_ name: String) -> String? { query.last { $0.0 == name }?.1 }
        guard shops[domain] != nil else { return .refused(status: 404, reason: "no such shop") }
        guard value("client_id") == app.clientId else { return .refused(status: 400, reason: "unknown client_id") }
        guard let redirect = value("redirect_uri"), redirect.hasPrefix("https://") || redirect.hasPrefix("http://") else {
            return .refused(status: 400, reason: "redirect_uri must be an absolute URL")
        }
        let scope = value("scope") ?? ""
        let code = Self.randomToken(prefix: "")
        shops[domain]!.authorizationCodes[code] = now
        shops[domain]!.grantedScope = scope
        var parameters = [("code", code), ("host", Data("\(domain)/admin".utf8).base64EncodedString()), ("shop", domain),
                          ("timestamp", "\(Int(wallClock))")]
        if let state = value("state") { parameters.append(("state", state)) }
        parameters.append((QuerySignature.parameter, QuerySignature.signature(of: parameters, secret: app.clientSecret)))
        let separator = redirect.contains("?") ? "&" : "?"
        return .redirect(redirect + separator + FormEncoding.encode(parameters))
    }

    /// `POST /admin/oauth/access_token`: the answer's status and JSON body.
    package func grantToken(shop domain: String, form: [(String, String)]) -> (status: Int, body: [String: any Sendable]) {
        func value(_ name: String) -> String? { form.last { $0.0 == name }?.1 }
        func refusal(_ status: Int, _ error: String, _ description: String) -> (Int, [String: any Sendable]) {
            (status, ["error": error, "error_description": description])
        }
        guard shops[domain] != nil else { return refusal(404, "not_found", "no such shop") }
        guard !faults.tokenEndpointUnavailable else { return refusal(503, "temporarily_unavailable", "try again later") }
        guard value("client_id") == app.clientId, value("client_secret") == app.clientSecret else {
            return refusal(401, "invalid_client", "client authentication failed")
        }
        let now = self.now
        var shop = shops[domain]!
        defer { shops[domain] = shop }
        if let code = value("code") {
            // Codes are good once, for a minute.
            guard let issued = shop.authorizationCodes.removeValue(forKey: code), now - issued < 60 else {
                return refusal(400, "invalid_grant", "the authorization code is invalid or was used")
            }
            shop.tokenGrants += 1
            shop.revokeGrant()
            shop.token = Self.randomToken(prefix: "shpat_")
            guard value("expiring") == "1" else { return (200, ["access_token": shop.token!, "scope": shop.grantedScope]) }
            return (200, issueExpiring(&shop, now: now))
        }
        guard value("grant_type") == "refresh_token", let presented = value("refresh_token") else {
            return refusal(400, "invalid_request", "code, or grant_type=refresh_token with refresh_token, is required")
        }
        guard shop.token != nil, let expiresAt = shop.refreshTokenExpiresAt, now < expiresAt,
              presented == shop.refreshToken || presented == shop.previousRefreshToken
        else { return refusal(400, "invalid_grant", "the refresh token is invalid, expired or revoked") }
        shop.tokenRefreshes += 1
        if presented == shop.refreshToken {
            // The replacement is used: the token it replaced is retired.
            shop.previousRefreshToken = presented
        } else {
            shop.refreshesOfUsedTokens += 1
        }
        shop.token = Self.randomToken(prefix: "shpat_")
        return (200, issueExpiring(&shop, now: now, keepingRefreshTokenExpiry: true))
    }

    /// A new access token's lifetime and a new refresh token. A refresh does not extend the
    /// refresh token's 90 days.
    private func issueExpiring(_ shop: inout SimulatedShop, now: Double, keepingRefreshTokenExpiry: Bool = false) -> [String: any Sendable] {
        shop.tokenExpiresAt = now + app.accessTokenSeconds
        shop.refreshToken = Self.randomToken(prefix: "shprt_")
        if !keepingRefreshTokenExpiry || shop.refreshTokenExpiresAt == nil {
            shop.refreshTokenExpiresAt = now + app.refreshTokenSeconds
        }
        return ["access_token": shop.token!, "scope": shop.grantedScope, "expires_in": Int(app.accessTokenSeconds),
                "refresh_token": shop.refreshToken!,
                "refresh_token_expires_in": Int((shop.refreshTokenExpiresAt! - now).rounded(.down))]
    }

    private static func randomToken(prefix: String) -> String {
        prefix + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

extension SimulatedShop {
    /// Forgets the app's OAuth grant: its expiring token and refresh tokens.
    mutating func revokeGrant() {
        tokenExpiresAt = nil
        refreshToken = nil
        refreshTokenExpiresAt = nil
        previousRefreshToken = nil
    }
}
