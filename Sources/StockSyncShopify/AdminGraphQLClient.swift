import Logging
import Metrics
import StockSyncDomain
import StockSyncRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A GraphQL document the client sends, with the cost Shopify will ask the bucket for.
package struct GraphQLOperation: Sendable {
    package let name: String
    package let document: String
    /// The requested cost, as Shopify computes it for this document; used to pace the
    /// call before Shopify has priced it once.
    package let requestedCost: Double

    package init(name: String, document: String, requestedCost: Double) {
        self.name = name
        self.document = document
        self.requestedCost = requestedCost
    }
}

/// Admin GraphQL over blocking HTTP for one shop: paces every call against its model of
/// the shop's leaky bucket, waits out THROTTLED answers, and retries outages with jittered
/// backoff, resending the very same body (so an `@idempotent` key is reused).
package final class AdminGraphQLClient {
    package let connection: ShopConnection
    private let transport: any HTTPTransport
    private let logger: Logger
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private var bucket: CostBucket
    /// Requested costs Shopify reported, per operation name.
    private var knownCosts: [String: Double] = [:]
    package var maximumAttempts = 8
    package var backoff = Backoff(base: .milliseconds(200), cap: .seconds(10))
    /// Called before each wait between calls (a retry's backoff, the bucket refilling): the
    /// caller keeps what it holds alive through a call that takes minutes in all (a pusher's
    /// database session, whose silence would hand its shop to another worker).
    package var beforeWaiting: (() -> Void)?
    /// The access token each call sends.
    package var tokens: any AccessTokenSource

    private let calls: Counter
    private let throttled: Counter
    private let retries: Counter
    private let bucketLevel: Gauge

    package init(connection: ShopConnection, transport: any HTTPTransport, logger: Logger) {
        self.connection = connection
        self.transport = transport
        self.logger = logger
        origin = clock.now
        bucket = CostBucket(at: 0)
        tokens = FixedAccessToken(connection.accessToken)
        let shop = [("shop", connection.shop)]
        calls = Counter(label: "stocksync_shopify_calls_total", dimensions: shop)
        throttled = Counter(label: "stocksync_shopify_throttled_total", dimensions: shop)
        retries = Counter(label: "stocksync_shopify_retries_total", dimensions: shop)
        bucketLevel = Gauge(label: "stocksync_shopify_bucket_available", dimensions: shop)
    }

    /// The last throttle status Shopify reported.
    package private(set) var lastThrottleStatus: ThrottleStatus?

    /// The response header naming the API version Shopify served the call with: the one
    /// asked for, or, once that is no longer supported, the oldest supported stable version
    /// (https://shopify.dev/docs/api/usage/versioning).
    package static let servedVersionHeader = "X-Shopify-API-Version"
    /// The version Shopify last said it served.
    package private(set) var servedVersion: ShopifyAPIVersion?

    package func execute<Variables: Encodable, Payload: Decodable>(
        _ operation: GraphQLOperation, variables: Variables, returning _: Payload.Type = Payload.self
    ) throws(ShopifyError) -> Payload {
        let body: [UInt8]
        do {
            body = Array(try JSONEncoder().encode(GraphQLRequest(query: operation.document, variables: variables)))
        } catch {
            throw .malformedResponse("cannot encode the request: \(error)")
        }
        var token = try tokens.token()
        /// A refused token is replaced once a call: a second refusal is the shop's answer.
        var replacedRefusedToken = false
        var attempts = 0
        var backoff = self.backoff
        while true {
            attempts += 1
            let headers = [
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("X-Shopify-Access-Token", token),
            ]
            let cost = knownCosts[operation.name] ?? operation.requestedCost
            waitForBudget(cost)
            bucket.spend(cost)
            calls.increment()
            let outcome: Result<HTTPResponse, TransportError> = Result { () throws(TransportError) in
                try transport.post(connection.graphQLURL, headers: headers, body: body)
            }
            let failure: String
            switch outcome {
            case .failure(let error):
                bucket.abandon(cost, at: now)
                failure = error.description
            case .success(let response):
                let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(response.body))
                if let status = envelope?.extensions?.cost {
                    bucket.observe(status.throttleStatus, settling: cost, at: now)
                    lastThrottleStatus = status.throttleStatus
                    bucketLevel.record(status.throttleStatus.currentlyAvailable)
                    knownCosts[operation.name] = status.requestedQueryCost
                } else {
                    bucket.abandon(cost, at: now)
                }
                if envelope?.isThrottled == true || response.status == 429 {
                    // A call that costs more than the shop's whole bucket would wait in vain.
                    if let maximum = lastThrottleStatus?.maximumAvailable, cost > maximum {
                        throw .graphQL(["\(operation.name) costs \(Int(cost)) points, more than the shop's whole bucket of \(Int(maximum)) (THROTTLED)"])
                    }
                    // Not an attempt that failed: Shopify asked us to wait for the bucket.
                    throttled.increment()
                    attempts -= 1
                    logger.warning("throttled by Shopify; waiting for the bucket", metadata: ["shop": "\(connection.shop)"])
                    if envelope?.extensions?.cost == nil { pause(backoff.next()) }
                    continue
                }
                if let served = response.headers[Self.servedVersionHeader.lowercased()].flatMap(ShopifyAPIVersion.init),
                   served != servedVersion {
                    servedVersion = served
                    if served != connection.apiVersion {
                        logger.warning("Shopify serves another API version than the one configured", metadata: [
                            "shop": "\(connection.shop)", "configured": "\(connection.apiVersion)", "served": "\(served)",
                        ])
                    }
                }
                switch response.status {
                case 200..<300:
                    guard let envelope else {
                        throw .malformedResponse("the body is not a GraphQL response")
                    }
                    if let errors = envelope.errors, !errors.messages.isEmpty {
                        throw .graphQL(errors.messages)
                    }
                    let decoded: DataMember<Payload>
                    do {
                        decoded = try JSONDecoder().decode(DataMember<Payload>.self, from: Data(response.body))
                    } catch {
                        throw .malformedResponse("\(operation.name): \(error)")
                    }
                    guard let data = decoded.data else { throw .malformedResponse("no data and no errors") }
                    return data
                case 500..<600:
                    failure = "HTTP \(response.status)"
                case 401 where !replacedRefusedToken:
                    guard let replacement = try tokens.token(replacingRefused: token), replacement != token else {
                        throw .http(status: 401, detail: Self.snippet(response.body))
                    }
                    // Not an attempt that failed: the token had expired or been replaced meanwhile.
                    token = replacement
                    replacedRefusedToken = true
                    attempts -= 1
                    continue
                default:
                    throw .http(status: response.status, detail: Self.snippet(response.body))
                }
            }
            guard attempts < maximumAttempts else { throw .exhausted(attempts: attempts, last: failure) }
            retries.increment()
            let wait = backoff.next()
            logger.warning("Shopify call failed; retrying", metadata: [
                "shop": "\(connection.shop)", "operation": "\(operation.name)", "error": "\(failure)",
                "attempt": "\(attempts)", "retry_in": "\(wait)",
            ])
            pause(wait)
        }
    }

    /// Downloads a URL Shopify handed out (a bulk operation's result) into a file, with the
    /// same retries.
    package func download(_ url: String, to path: String) throws(ShopifyError) {
        var attempts = 0
        var backoff = self.backoff
        while true {
            attempts += 1
            let failure: String
            switch Result(catching: { () throws(TransportError) in try transport.download(url, to: path) }) {
            case .success(let status) where (200..<300).contains(status):
                return
            case .success(let status) where status < 500:
                throw .http(status: status, detail: "downloading a bulk operation's result")
            case .success(let status):
                failure = "HTTP \(status)"
            case .failure(let error):
                failure = error.description
            }
            guard attempts < maximumAttempts else { throw .exhausted(attempts: attempts, last: failure) }
            pause(backoff.next())
        }
    }

    private var now: Double { (clock.now - origin).seconds }

    private func pause(_ duration: Duration) {
        beforeWaiting?()
        blockingSleep(duration)
    }

    private func waitForBudget(_ cost: Double) {
        let delay = bucket.delay(forCost: cost, at: now)
        if delay > 0 { pause(.milliseconds(Int((delay * 1000).rounded(.up)))) }
    }

    private static func snippet(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(300), as: UTF8.self)
    }
}

private struct GraphQLRequest<Variables: Encodable>: Encodable {
    let query: String
    let variables: Variables
}

private struct DataMember<Payload: Decodable>: Decodable {
    let data: Payload?
}

/// What every Admin GraphQL answer carries besides its data. `errors` is a list of GraphQL
/// errors, or a single string for authentication failures.
private struct Envelope: Decodable {
    let errors: ErrorList?
    let extensions: Extensions?

    struct Extensions: Decodable {
        let cost: QueryCost?
    }

    struct GraphQLErrorEntry: Decodable {
        let message: String
        let extensions: Code?
        struct Code: Decodable { let code: String? }
    }

    enum ErrorList: Decodable {
        case entries([GraphQLErrorEntry])
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .entries(try container.decode([GraphQLErrorEntry].self))
            }
        }

        var messages: [String] {
            switch self {
            case .text(let text): [text]
            case .entries(let entries): entries.map { entry in
                entry.extensions?.code.map { "\(entry.message) (\($0))" } ?? entry.message
            }
            }
        }
    }

    var isThrottled: Bool {
        guard case .entries(let entries) = errors else { return false }
        return entries.contains { $0.extensions?.code == "THROTTLED" }
    }
}
