#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Shopify's mandatory compliance webhooks
/// (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance): a customer asks
/// what the app holds about them, or to be erased; 48 hours after an uninstall, the shop
/// asks to be erased. stocksync's tables hold no customer's name, address, email or phone:
/// only orders by id, their SKUs and quantities, and what was reserved for them. Dead
/// letters of `order-placed` hold Shopify's whole webhook bodies, customer and all.
package enum ComplianceRequest: Sendable, Equatable {
    case customerDataRequest(CustomerRequest)
    case customerRedact(CustomerRequest)
    case shopRedact(shop: String)

    package static let dataRequestTopic = "customers/data_request"
    package static let customerRedactTopic = "customers/redact"
    package static let shopRedactTopic = "shop/redact"
    package static let topics: Set<String> = [dataRequestTopic, customerRedactTopic, shopRedactTopic]

    package struct CustomerRequest: Sendable, Equatable {
        package var shop: String
        package var customerID: Int
        package var email: String?
        package var phone: String?
        /// The customer's orders Shopify names (`orders_requested`, `orders_to_redact`).
        package var orderIDs: [String]
        /// `data_request.id`, for a data request.
        package var dataRequestID: Int?

        package init(shop: String, customerID: Int, email: String?, phone: String?, orderIDs: [String], dataRequestID: Int?) {
            self.shop = shop
            self.customerID = customerID
            self.email = email
            self.phone = phone
            self.orderIDs = orderIDs
            self.dataRequestID = dataRequestID
        }

        /// Whether a Shopify webhook body (an order or a refund) is about this customer: one
        /// of their orders, their customer id, or their email or phone.
        package func isAbout(_ body: [UInt8]) -> Bool {
            guard let resource = try? JSONDecoder().decode(WebhookResource.self, from: Data(body)) else { return false }
            if let order = resource.order_id ?? resource.id, orderIDs.contains(String(order)) { return true }
            if resource.customer?.id == customerID { return true }
            let emails = [resource.email, resource.contact_email, resource.customer?.email].compactMap { $0?.lowercased() }
            if let email = email?.lowercased(), emails.contains(email) { return true }
            let phones = [resource.phone, resource.customer?.phone].compactMap { $0 }
            return phone.map(phones.contains) ?? false
        }
    }

    /// Reads a compliance webhook of `topic` (its body's `shop_domain` must be the shop of
    /// its headers).
    package static func decode(topic: String, shop: String, body: [UInt8]) throws(ContractViolation) -> Self {
        let payload: Payload
        do { payload = try JSONDecoder().decode(Payload.self, from: Data(body)) } catch {
            throw ContractViolation("the \(topic) body is not Shopify's compliance payload")
        }
        guard payload.shop_domain == shop else { throw ContractViolation("field `shop_domain` is not the shop of the delivery") }
        if topic == shopRedactTopic { return .shopRedact(shop: shop) }
        guard let customer = payload.customer else { throw ContractViolation("field `customer` is missing") }
        let request = CustomerRequest(shop: shop, customerID: customer.id, email: customer.email, phone: customer.phone,
                                      orderIDs: (payload.orders_requested ?? payload.orders_to_redact ?? []).map(String.init),
                                      dataRequestID: payload.data_request?.id)
        switch topic {
        case dataRequestTopic: return .customerDataRequest(request)
        case customerRedactTopic: return .customerRedact(request)
        default: throw ContractViolation("`\(topic)` is not a compliance topic")
        }
    }

    private struct Payload: Decodable {
        struct Customer: Decodable {
            let id: Int
            let email: String?
            let phone: String?
        }
        struct DataRequest: Decodable { let id: Int }
        let shop_domain: String
        let customer: Customer?
        let orders_requested: [Int]?
        let orders_to_redact: [Int]?
        let data_request: DataRequest?
    }

    private struct WebhookResource: Decodable {
        struct Customer: Decodable {
            let id: Int?
            let email: String?
            let phone: String?
        }
        let id: Int?
        let order_id: Int?
        let email: String?
        let contact_email: String?
        let phone: String?
        let customer: Customer?
    }
}
