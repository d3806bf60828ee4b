import ShopifyWebhooks

/// libFuzzer entry: the input is a delivery's headers (lines of `name: value` up to a blank
/// line) and body; the body is signed with the secret unless the headers carry a signature
/// of their own, so that the intake's checks past the signature are reached too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let separator = bytes.indices.dropLast().first { bytes[$0] == 10 && bytes[$0 + 1] == 10 }
    let head = separator.map { Array(bytes[..<$0]) } ?? []
    let body = separator.map { Array(bytes[($0 + 2)...]) } ?? bytes
    var headers: [String: String] = [:]
    for line in String(decoding: head, as: UTF8.self).split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
    }
    let secret = "fuzz-secret"
    if headers["x-shopify-hmac-sha256"] == nil {
        headers["x-shopify-hmac-sha256"] = WebhookIntake.signature(of: body, secret: secret)
    }
    let intake = WebhookIntake(secrets: [secret], maximumBodyBytes: 1 << 16)
    _ = intake.decide(header: { headers[$0.lowercased()] }, body: body, isKnownShop: { $0.hasPrefix("a") })
    return 0
}
