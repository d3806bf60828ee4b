/// A failed Admin API call. The description carries Shopify's own message, never the
/// access token or request headers.
package struct ShopifyError: Error, Sendable, CustomStringConvertible {
    private enum Kind: Sendable {
        case transport(TransportError)
        case http(status: Int, detail: String)
        case graphQL([String])
        case malformedResponse(String)
        case exhausted(attempts: Int, last: String)
        case accessToken(detail: String, retriable: Bool)
    }

    private let kind: Kind

    static func transport(_ error: TransportError) -> Self { Self(kind: .transport(error)) }
    static func http(status: Int, detail: String) -> Self { Self(kind: .http(status: status, detail: detail)) }
    static func graphQL(_ messages: [String]) -> Self { Self(kind: .graphQL(messages)) }
    static func malformedResponse(_ detail: String) -> Self { Self(kind: .malformedResponse(detail)) }
    static func exhausted(attempts: Int, last: String) -> Self {
        Self(kind: .exhausted(attempts: attempts, last: last))
    }
    /// No token to send: the shop's could not be refreshed (`retriable` when Shopify or the
    /// database may answer later).
    package static func accessToken(_ detail: String, retriable: Bool) -> Self {
        Self(kind: .accessToken(detail: detail, retriable: retriable))
    }

    /// Whether the same request may succeed later: outages yes, a refused token or a
    /// document Shopify rejects no.
    package var isRetriable: Bool {
        switch kind {
        case .transport, .exhausted: true
        case .http(let status, _): status >= 500 || status == 429
        case .graphQL, .malformedResponse: false
        case .accessToken(_, let retriable): retriable
        }
    }

    /// A query refused for costing more than Shopify lets one query cost
    /// (https://shopify.dev/docs/api/usage/limits#cost-calculation): a smaller one can pass.
    package var isCostRefusal: Bool {
        if case .graphQL(let messages) = kind { return messages.contains { $0.hasSuffix("(MAX_COST_EXCEEDED)") } }
        return false
    }

    /// A GraphQL refusal for a scope the app was not granted.
    package var isAccessDenied: Bool {
        if case .graphQL(let messages) = kind { return messages.contains { $0.hasSuffix("(ACCESS_DENIED)") } }
        return false
    }

    /// HTTP status of the answer, if there was one.
    package var httpStatus: Int? {
        if case .http(let status, _) = kind { return status }
        return nil
    }

    package var description: String {
        switch kind {
        case .transport(let error): "Shopify unreachable: \(error)"
        case .http(let status, let detail): "Shopify answered HTTP \(status): \(detail)"
        case .graphQL(let messages): "Shopify refused the request: \(messages.joined(separator: "; "))"
        case .malformedResponse(let detail): "unexpected answer from Shopify: \(detail)"
        case .exhausted(let attempts, let last): "gave up after \(attempts) attempts: \(last)"
        case .accessToken(let detail, _): "no access token: \(detail)"
        }
    }
}
