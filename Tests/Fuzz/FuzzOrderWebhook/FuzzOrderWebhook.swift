import StockSyncDomain

/// libFuzzer entry: the first byte picks the topic, the rest is the webhook's body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let topics = ["orders/create", "orders/updated", "orders/cancelled", "refunds/create"]
    let topic = topics[Int(bytes.first ?? 0) % topics.count]
    _ = try? OrderMessage.decode(headers: [
        "x-shopify-topic": topic, "x-shopify-shop-domain": "fuzz.myshopify.com", "x-shopify-event-id": "fuzz",
        "x-shopify-triggered-at": "2026-11-28T07:00:00.000Z",
    ], body: Array(bytes.dropFirst()))
    return 0
}
