import Crypto
import Foundation
import StockSyncShopify

/// Posts a webhook delivery with every header Shopify sends, signed as Shopify signs it
/// (base64 HMAC-SHA256 of the body); returns the HTTP status. `omit` leaves one header out.
func deliverSignedWebhook(_ url: String, body: [UInt8], topic: String, shop: String, secret: String,
                          webhookID: String = UUID().uuidString, triggeredAt: String = "2026-11-28T07:00:00.000Z",
                          omit: String? = nil) throws -> Int {
    let signature = Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
        .base64EncodedString()
    let headers = [
        ("Content-Type", "application/json"), ("X-Shopify-Topic", topic), ("X-Shopify-Shop-Domain", shop),
        ("X-Shopify-Webhook-Id", webhookID), ("X-Shopify-Event-Id", UUID().uuidString),
        ("X-Shopify-Triggered-At", triggeredAt), ("X-Shopify-API-Version", "2026-07"),
        ("X-Shopify-Hmac-Sha256", signature),
    ].filter { $0.0 != omit }
    return try CurlTransport().post(url, headers: headers, body: body).status
}
