import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ShopifyWebhooks
import StockSyncDomain
import StockSyncRuntime
import StockSyncShopify
import StockSyncWorkers

/// The OAuth install of a public app
/// (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant):
/// `GET /install?shop=…` sends the merchant to Shopify's authorize page; Shopify sends them back
/// to `GET /auth/callback`, whose query is verified (its `hmac`, the shop's domain, the `state`
/// nonce) before its code is exchanged for an expiring offline token and the shop connected.
struct InstallRoutes {
    var installer: AppInstaller
    /// The app's client secret, then the previous one while it is rotated.
    var secrets: [String]
    var shops: KnownShops
    var logger: Logger

    func add(to router: Router<GatewayRequestContext>) {
        router.get("/install") { request, _ in await begin(request) }
        router.get(RouterPath(AppInstallConfiguration.callbackPath)) { request, _ in await callback(request) }
    }

    private func begin(_ request: Request) async -> Response {
        let query = FormEncoding.decode(request.uri.query ?? "")
        guard let shop = Self.value("shop", in: query), ShopConnection.isShopDomain(shop) else {
            return answer(400, "shop must be a <name>.myshopify.com domain")
        }
        // Shopify's own install request (the merchant's click in the admin) is signed; a link of the operator's is not.
        if Self.value(QuerySignature.parameter, in: query) != nil, !QuerySignature.isSigned(query, secrets: secrets) {
            return answer(401, "the install request's hmac does not verify")
        }
        let state = Self.nonce()
        do {
            let location = try await DedicatedThread.run { [installer] in try installer.begin(shop: shop.lowercased(), state: state) }
            return Response(status: .found, headers: [.location: location])
        } catch {
            logger.error("install not begun", metadata: ["shop": "\(shop)", "error": "\(error)"])
            return answer(503, "cannot begin the install now; try again")
        }
    }

    private func callback(_ request: Request) async -> Response {
        let query = FormEncoding.decode(request.uri.query ?? "")
        guard QuerySignature.isSigned(query, secrets: secrets) else { return answer(401, "the callback's hmac does not verify") }
        guard let shop = Self.value("shop", in: query), ShopConnection.isShopDomain(shop) else {
            return answer(400, "shop must be a <name>.myshopify.com domain")
        }
        guard let code = Self.value("code", in: query), let state = Self.value("state", in: query) else {
            return answer(400, "the callback has no code or no state")
        }
        let installed = shop.lowercased()
        do {
            let grant = try await DedicatedThread.run { [installer] in
                try installer.complete(shop: installed, code: code, state: state)
            }
            shops.insert(installed)
            logger.notice("app installed", metadata: ["shop": "\(installed)", "scopes": "\(grant.scopes)", "expiring": "\(grant.expiring)"])
            if !grant.expiring {
                logger.warning("Shopify granted a token that does not expire: public apps must use expiring tokens",
                               metadata: ["shop": "\(installed)"])
            }
            return answer(200, "stocksync is installed on \(installed) (scopes granted: \(grant.scopes))")
        } catch let error as InstallError {
            logger.warning("install refused", metadata: ["shop": "\(installed)", "error": "\(error)"])
            return answer(error.status, error.description)
        } catch {
            logger.error("install not completed", metadata: ["shop": "\(installed)", "error": "\(error)"])
            return answer(503, "cannot complete the install now; start it again")
        }
    }

    private static func value(_ name: String, in query: [(String, String)]) -> String? {
        let values = query.filter { $0.0 == name }
        return values.count == 1 && !values[0].1.isEmpty ? values[0].1 : nil
    }

    /// 32 random bytes, hex: the install's `state`.
    private static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    private func answer(_ status: Int, _ text: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
