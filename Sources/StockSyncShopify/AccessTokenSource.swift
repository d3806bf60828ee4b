/// Where a shop's client takes the access token it sends. A custom app's token is fixed; an
/// expiring offline token is refreshed ahead of its expiry and when Shopify refuses it
/// (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens).
/// Used by the one thread that owns the client.
package protocol AccessTokenSource: AnyObject {
    /// The token to send now.
    func token() throws(ShopifyError) -> String
    /// Shopify answered 401 to `refused`: the token to send instead, or nil when there is
    /// no other (the app was uninstalled, or the token revoked for good).
    func token(replacingRefused refused: String) throws(ShopifyError) -> String?
}

/// A token that never changes: nothing replaces it when refused.
package final class FixedAccessToken: AccessTokenSource {
    private let value: String

    package init(_ value: String) {
        self.value = value
    }

    package func token() -> String { value }
    package func token(replacingRefused _: String) -> String? { nil }
}
