import StockSyncShopify

/// A merchant's browser installing the app: `GET <gateway>/install?shop=…`, then each redirect
/// followed (Shopify's authorize page, which approves at once in the simulator, then the
/// gateway's callback). Returns every URL visited and the last answer.
func installThroughOAuth(gateway: String, shop: String) throws -> (visited: [String], status: Int, body: String) {
    let http = try CurlTransport(keptHeaders: ["Location"])
    var url = "\(gateway)/install?shop=\(shop)"
    var visited: [String] = []
    while true {
        visited.append(url)
        let response = try http.get(url, headers: [])
        guard (300..<400).contains(response.status), let location = response.headers["location"], visited.count < 5 else {
            return (visited, response.status, String(decoding: response.body, as: UTF8.self))
        }
        url = location
    }
}
