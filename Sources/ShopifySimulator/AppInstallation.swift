import Foundation

/// The app's installation on a simulated store. Uninstalling does what Shopify does
/// (https://shopify.dev/docs/apps/build/authentication-authorization/app-installation/uninstall-app-api-request):
/// the access token stops working at once, the shop's webhook subscriptions are deleted,
/// and `app/uninstalled` (https://shopify.dev/docs/api/webhooks, body: the shop resource)
/// is delivered to where they pointed, retried like any delivery.
extension ShopifySimulator {
    package func uninstallApp(shop domain: String) throws {
        let (subscription, body) = try withShop(domain) { shop -> (SimulatedShop.DeliveryTargets, [UInt8]) in
            shop.token = nil
            shop.revokeGrant()
            defer {
                shop.webhooks = nil
                shop.apiSubscriptions = [:]
            }
            return (shop.deliveryTargets(app), Array(try JSONSerialization.data(withJSONObject: Self.shopResource(shop))))
        }
        deliver(shop: domain, topic: "app/uninstalled", body: body, to: subscription)
    }

    /// Installs the app again, granting `token` (what the OAuth grant would issue).
    package func installApp(shop domain: String, token: String) throws {
        try withShop(domain) { shop in
            shop.revokeGrant()
            shop.token = token
        }
    }

    /// The shop as the REST `Shop` resource has it, reduced to what identifies it.
    static func shopResource(_ shop: SimulatedShop) -> [String: any Sendable] {
        let name = String(shop.domain.prefix { $0 != "." })
        // A stable id per domain (FNV-1a), as Shopify's shop ids are.
        let id = shop.domain.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        return ["id": Int(id), "name": name, "domain": shop.domain, "myshopify_domain": shop.domain]
    }
}
