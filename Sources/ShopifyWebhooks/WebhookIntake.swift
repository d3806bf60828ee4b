import Crypto
import Foundation
import StockSyncDomain

/// Decides what to do with one Shopify webhook delivery, from its headers and raw body
/// alone: pure, so every answer is tested with plain values.
package struct WebhookIntake: Sendable {
    /// The app's secret, and during a rotation the previous one: Shopify signs with one of them.
    private let secrets: [[UInt8]]
    package let maximumBodyBytes: Int
    private typealias Contract = ShopifyWebhookContract

    package init(secrets: [String], maximumBodyBytes: Int) {
        self.secrets = secrets.map { Array($0.utf8) }
        self.maximumBodyBytes = maximumBodyBytes
    }

    package enum Decision: Sendable, Equatable {
        /// Publish, confirmed, then answer 200.
        case publish(messageID: String, headers: [(String, String)])
        /// A topic stocksync does not use: answer 200, publish nothing.
        case ignore(topic: String)
        /// Answer with this status, publish nothing.
        case reject(status: Int, reason: String)

        package static func == (lhs: Decision, rhs: Decision) -> Bool {
            switch (lhs, rhs) {
            case (.publish(let a, let x), .publish(let b, let y)): a == b && x.map { "\($0)=\($1)" } == y.map { "\($0)=\($1)" }
            case (.ignore(let a), .ignore(let b)): a == b
            case (.reject(let a, let x), .reject(let b, let y)): a == b && x == y
            default: false
            }
        }
    }

    /// What the headers say before any of the body is read: a signature and every header
    /// Shopify sends, present and well formed.
    package struct DeliveryHeaders: Sendable {
        fileprivate let signature: [UInt8]
        fileprivate let values: [(ShopifyWebhookContract.Header, String)]
    }

    package enum HeaderReading: Sendable {
        case read(DeliveryHeaders)
        /// Answer with this status without reading the body: nothing in it could change the answer.
        case refused(status: Int, reason: String)
    }

    /// The delivery's headers by (case-insensitive) name, checked on their own, so a delivery
    /// without a well-formed signature or a header Shopify always sends is refused before its
    /// body is read (a flood of them costs no body reads). Whether the shop is known waits
    /// for the signature: an unsigned caller learns nothing about which shops are served.
    package func readHeaders(_ header: (String) -> String?) -> HeaderReading {
        guard let text = header(Contract.Header.hmac.name), let signature = Data(base64Encoded: text),
              signature.count == SHA256.byteCount
        else {
            return .refused(status: 401, reason: "missing or wrong \(Contract.Header.hmac)")
        }
        var values: [(Contract.Header, String)] = []
        for required in Contract.requiredHeaders {
            guard let value = header(required.name), !value.isEmpty, value.utf8.count <= 255 else {
                return .refused(status: 400, reason: "missing header \(required)")
            }
            values.append((required, value))
        }
        return .read(DeliveryHeaders(signature: Array(signature), values: values))
    }

    /// - Parameters:
    ///   - header: the delivery's header by (case-insensitive) name.
    ///   - isKnownShop: whether the gateway serves this shop domain.
    package func decide(header: (String) -> String?, body: [UInt8], isKnownShop: (String) -> Bool) -> Decision {
        switch readHeaders(header) {
        case .refused(let status, let reason): .reject(status: status, reason: reason)
        case .read(let headers): decide(headers, body: body, isKnownShop: isKnownShop)
        }
    }

    /// The decision on a delivery whose headers were read (`readHeaders`), from its body.
    package func decide(_ headers: DeliveryHeaders, body: [UInt8], isKnownShop: (String) -> Bool) -> Decision {
        guard body.count <= maximumBodyBytes else {
            return .reject(status: 413, reason: "body larger than \(maximumBodyBytes) bytes")
        }
        guard isSigned(body, code: headers.signature) else {
            return .reject(status: 401, reason: "missing or wrong \(Contract.Header.hmac)")
        }
        let topic = headers.values[0].1, shop = headers.values[1].1
        guard isKnownShop(shop) else { return .reject(status: 404, reason: "unknown shop \(shop)") }
        guard Contract.handledTopics.contains(topic) else { return .ignore(topic: topic) }
        guard JSONSyntax.isObject(body) else { return .reject(status: 400, reason: "body is not a JSON object") }
        // The webhook id names the delivery, so RabbitMQ and the order-worker see Shopify's
        // retries of it as the same message.
        return .publish(messageID: headers.values[2].1, headers: headers.values.map { ($0.0.messageHeader, $0.1) })
    }

    /// The `X-Shopify-Hmac-Sha256` Shopify sends with `body`: base64(HMAC-SHA256(secret, body)).
    package static func signature(of body: [UInt8], secret: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))).base64EncodedString()
    }

    /// base64(HMAC-SHA256(secret, body)), compared in constant time, for each secret in turn.
    package func isSigned(_ body: [UInt8], signature: String) -> Bool {
        guard let code = Data(base64Encoded: signature), code.count == SHA256.byteCount else { return false }
        return isSigned(body, code: Array(code))
    }

    private func isSigned(_ body: [UInt8], code: [UInt8]) -> Bool {
        secrets.contains { HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: body, using: SymmetricKey(data: $0)) }
    }
}
