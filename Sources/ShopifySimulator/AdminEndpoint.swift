import Foundation
import GraphQL
import OrderedCollections
import StockSyncDomain
import Synchronization

/// `POST /admin/api/{version}/graphql.json` as Shopify answers it: authentication, the
/// document parsed and validated against the version's schema, its cost charged to the
/// shop's leaky bucket (THROTTLED when the bucket cannot pay), `extensions.cost` on
/// every answer, and the faults configured for the simulator.
extension ShopifySimulator {
    package struct Answer: Sendable {
        package var status: Int
        package var body: [UInt8]
        /// `X-Shopify-API-Version`: the version the call was served with.
        package var apiVersion: String?
    }

    package static let maximumQueryCost = 1_000

    /// Parsing, validation, costing and encoding happen outside the actor, so requests use
    /// every core; only what touches a store (the bucket, the resolvers) runs on it.
    package nonisolated func graphQL(shop domain: String, version versionText: String, accessToken: String?,
                                    body: [UInt8], baseURL: String) async -> Answer {
        // A version no longer supported is served by the oldest one that is, and the answer says which.
        let oldest = await faults.oldestSupportedVersion.flatMap(ShopifyAPIVersion.init)
        let served = ShopifyAPIVersion(versionText).map { asked in oldest.map { max(asked, $0) } ?? asked }
        var answer = await respond(shop: domain, version: served?.description ?? versionText, accessToken: accessToken,
                                   body: body, baseURL: baseURL)
        if answer.status != 404 { answer.apiVersion = served?.description }
        return answer
    }

    private nonisolated func respond(shop domain: String, version versionText: String, accessToken: String?,
                                     body: [UInt8], baseURL: String) async -> Answer {
        let faults = await self.faults
        if faults.latencyMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(faults.latencyMilliseconds)) }
        if await inject("stall", rate: faults.stallRate) { try? await Task.sleep(for: .milliseconds(faults.stallMilliseconds)) }
        if await inject("server error", rate: faults.serverErrorRate) {
            return Self.text(503, #"{"errors":"Service Unavailable"}"#)
        }
        guard let admitted = await admit(domain, accessToken: accessToken), let version = ShopifyAPIVersion(versionText) else {
            return Self.text(404, #"{"errors":"Not Found"}"#)
        }
        guard admitted else {
            return Self.text(401, #"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#)
        }
        guard let request = try? JSONDecoder().decode(Request.self, from: Data(body)) else {
            return Self.text(400, #"{"errors":{"query":"Required parameter missing or invalid"}}"#)
        }
        let schema: GraphQLSchema
        let document: Document
        do {
            schema = try self.schema(version)
            document = try prepared(request.query, version: version, schema: schema)
        } catch let error as PreparedDocument.Invalid {
            return Self.json(200, Response(errors: error.errors))
        } catch let error as GraphQLError {
            return Self.json(200, Response(errors: [error]))
        } catch {
            return Self.json(200, Response(errors: [GraphQLError(message: "\(error)")]))
        }
        let operations = document.definitions.compactMap { $0 as? OperationDefinition }
        guard let operation = request.operationName.map({ name in operations.first { $0.name?.value == name } })
                ?? (operations.count == 1 ? operations.first : nil)
        else { return Self.json(200, Response(errors: [GraphQLError(message: "An operation name is required")])) }

        let variables = request.variables ?? [:]
        let calculator = QueryCostCalculator(schema: schema, document: document, operation: operation, variables: variables,
                                             fieldCosts: faults.fieldCosts)
        let requested = calculator.requested
        guard requested <= Self.maximumQueryCost else {
            return Self.json(200, Response(errors: [GraphQLError(
                message: "Query cost is \(requested), which exceeds the single query max cost limit (\(Self.maximumQueryCost)).",
                extensions: ["code": "MAX_COST_EXCEEDED", "cost": .number(Number(requested)),
                             "maxCost": .number(Number(Self.maximumQueryCost))])],
                cost: await cost(domain, requested: requested, actual: nil)))
        }
        guard await charge(domain, Double(requested)) else {
            return Self.json(200, Response(errors: [GraphQLError(
                message: "Throttled",
                extensions: ["code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"])],
                cost: await cost(domain, requested: requested, actual: nil)))
        }
        let context = RequestContext(simulator: self, shop: domain, version: version, bulk: false, baseURL: baseURL)
        let result = await OperationExecutor.execute(operation, of: document, schema: schema,
                                                     resolvers: SimulatorSchema.resolvers, variables: variables,
                                                     context: context)
        let actual = calculator.actual(data: result.data)
        let cost = await settle(domain, requested: requested, actual: actual)
        if await inject("lost response", rate: faults.lostResponseRate) { return Self.text(502, #"{"errors":"Bad Gateway"}"#) }
        return Self.json(200, Response(data: result.data, errors: result.errors, cost: cost))
    }

    /// `query` parsed and validated against `schema`, from the cache after the first time.
    private nonisolated func prepared(_ query: String, version: ShopifyAPIVersion, schema: GraphQLSchema) throws -> Document {
        let key = "\(version)\n\(query)"
        if let cached = documents.withLock({ $0[key] }) { return cached.document }
        let document = try parse(source: query)
        let errors = validate(schema: schema, ast: document)
        guard errors.isEmpty else { throw PreparedDocument.Invalid(errors: errors) }
        documents.withLock { documents in
            // A client generating documents endlessly must not grow the simulator without bound.
            if documents.count >= PreparedDocument.cacheLimit { documents.removeAll() }
            documents[key] = PreparedDocument(document: document)
        }
        return document
    }

    /// Whether the token is the app's token on the shop (none while the app is uninstalled);
    /// nil for a shop the simulator does not have. Refusals are counted.
    private func admit(_ domain: String, accessToken: String?) -> Bool? {
        guard let shop = shops[domain] else { return nil }
        guard let token = shop.token, accessToken == token else {
            shops[domain]?.unauthorized += 1
            return false
        }
        if let expiresAt = shop.tokenExpiresAt, now >= expiresAt {
            shops[domain]?.unauthorized += 1
            shops[domain]?.expiredTokenRefusals += 1
            return false
        }
        return true
    }

    /// Takes the requested cost from the bucket if it holds that much.
    private func charge(_ domain: String, _ requested: Double) -> Bool {
        let now = self.now
        return (try? withShop(domain) { shop in
            shop.calls += 1
            shop.refill(now: now)
            guard shop.available >= requested else {
                shop.throttled += 1
                return false
            }
            shop.available -= requested
            return true
        }) ?? false
    }

    /// Refunds what the query did not use; returns the cost to report.
    private func settle(_ domain: String, requested: Int, actual: Int) -> Cost? {
        _ = try? withShop(domain) { shop in
            shop.available = min(shop.plan.bucketSize, shop.available + Double(requested - actual))
            shop.costCharged += Double(actual)
        }
        return cost(domain, requested: requested, actual: actual)
    }

    private func cost(_ domain: String, requested: Int, actual: Int?) -> Cost? {
        let now = self.now
        return try? withShop(domain) { shop in
            shop.refill(now: now)
            return Cost(requestedQueryCost: requested, actualQueryCost: actual,
                        throttleStatus: .init(maximumAvailable: shop.plan.bucketSize,
                                              currentlyAvailable: (shop.available * 10).rounded(.down) / 10,
                                              restoreRate: shop.plan.restoreRate))
        }
    }

    /// A document known to be valid against its version's schema.
    struct PreparedDocument: Sendable {
        static let cacheLimit = 256
        let document: Document

        struct Invalid: Error {
            let errors: [GraphQLError]
        }
    }

    private struct Request: Decodable {
        let query: String
        let variables: [String: Map]?
        let operationName: String?
    }

    struct Cost: Encodable {
        struct Throttle: Encodable {
            let maximumAvailable: Double
            let currentlyAvailable: Double
            let restoreRate: Double
        }

        let requestedQueryCost: Int
        let actualQueryCost: Int?
        let throttleStatus: Throttle

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(requestedQueryCost, forKey: .requestedQueryCost)
            // Shopify writes an explicit null when the query did not run.
            try container.encode(actualQueryCost, forKey: .actualQueryCost)
            try container.encode(throttleStatus, forKey: .throttleStatus)
        }

        enum CodingKeys: String, CodingKey { case requestedQueryCost, actualQueryCost, throttleStatus }
    }

    private struct Response {
        var data: Map? = nil
        var errors: [GraphQLError] = []
        var cost: Cost? = nil

        struct Extensions: Encodable { let cost: Cost }
    }

    /// `errors`, `data` and `extensions`, in Shopify's order. `data`, the bulk of an answer,
    /// is written directly; the small rest goes through an encoder.
    private static func json(_ status: Int, _ response: Response) -> Answer {
        var body: [UInt8] = [UInt8(ascii: "{")]
        func member(_ name: String, _ write: (inout [UInt8]) throws -> Void) throws {
            if body.count > 1 { body.append(UInt8(ascii: ",")) }
            JSONText.append(string: name, to: &body)
            body.append(UInt8(ascii: ":"))
            try write(&body)
        }
        do {
            if !response.errors.isEmpty {
                try member("errors") { $0.append(contentsOf: try GraphQLJSONEncoder().encode(response.errors)) }
            }
            if let data = response.data { try member("data") { JSONText.append(map: data, to: &$0) } }
            if let cost = response.cost {
                try member("extensions") { $0.append(contentsOf: try GraphQLJSONEncoder().encode(Response.Extensions(cost: cost))) }
            }
        } catch {
            return text(500, #"{"errors":"encoding"}"#)
        }
        body.append(UInt8(ascii: "}"))
        return Answer(status: status, body: body)
    }

    private static func text(_ status: Int, _ body: String) -> Answer {
        Answer(status: status, body: Array(body.utf8))
    }
}
