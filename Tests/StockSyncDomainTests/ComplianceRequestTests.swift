import StockSyncDomain
import Testing

@Suite("Compliance webhooks")
struct ComplianceRequestTests {
    static let shop = "brand.myshopify.com"

    private func decode(_ topic: String, _ json: String) throws -> ComplianceRequest {
        try ComplianceRequest.decode(topic: topic, shop: Self.shop, body: Array(json.utf8))
    }

    @Test("Shopify's three payloads are read: the customer, their orders, the data request's id; the shop")
    func payloads() throws {
        #expect(try decode("customers/data_request", """
            {"shop_id":954889,"shop_domain":"brand.myshopify.com","orders_requested":[299938,280263],
             "customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"data_request":{"id":9999}}
            """) == .customerDataRequest(.init(shop: Self.shop, customerID: 191_167, email: "john@example.com", phone: "555-625-1199",
                                               orderIDs: ["299938", "280263"], dataRequestID: 9999)))
        #expect(try decode("customers/redact", """
            {"shop_id":954889,"shop_domain":"brand.myshopify.com","customer":{"id":191167,"email":"john@example.com","phone":null},
             "orders_to_redact":[299938]}
            """) == .customerRedact(.init(shop: Self.shop, customerID: 191_167, email: "john@example.com", phone: nil,
                                          orderIDs: ["299938"], dataRequestID: nil)))
        #expect(try decode("shop/redact", #"{"shop_id":954889,"shop_domain":"brand.myshopify.com"}"#) == .shopRedact(shop: Self.shop))
    }

    @Test("a payload of another shop, without its customer, or not JSON is refused", arguments: [
        ("shop/redact", #"{"shop_id":1,"shop_domain":"other.myshopify.com"}"#),
        ("customers/redact", #"{"shop_id":1,"shop_domain":"brand.myshopify.com","orders_to_redact":[]}"#),
        ("customers/data_request", "not json"),
    ])
    func refused(topic: String, json: String) {
        #expect(throws: ContractViolation.self) { try decode(topic, json) }
    }

    @Test("a webhook body is about the customer by one of their orders, their id, email (any case) or phone")
    func bodiesAboutTheCustomer() {
        let customer = ComplianceRequest.CustomerRequest(shop: Self.shop, customerID: 77, email: "Ana@Example.com", phone: "+1555",
                                                         orderIDs: ["9001"], dataRequestID: nil)
        for body in [#"{"id":9001}"#, #"{"order_id":9001,"id":5}"#, #"{"id":1,"customer":{"id":77}}"#,
                     #"{"id":1,"contact_email":"ana@example.com"}"#, #"{"id":1,"customer":{"id":2,"phone":"+1555"}}"#] {
            #expect(customer.isAbout(Array(body.utf8)), "\(body)")
        }
        for body in [#"{"id":9002,"customer":{"id":78,"email":"ben@example.com"}}"#, "[]", "garbage"] {
            #expect(!customer.isAbout(Array(body.utf8)), "\(body)")
        }
    }
}
