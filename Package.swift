// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let graphQL = Target.Dependency.product(name: "GraphQL", package: "GraphQL")
let orderedCollections = Target.Dependency.product(name: "OrderedCollections", package: "swift-collections")

// Layers, each depending only on those above it (docs/ARCHITECTURE.md draws them):
//   StockSyncDomain                      pure rules and values: no I/O, no C
//   StockSyncRuntime                     configuration, logging, metrics, threads, backoff, session loop
//   StockSyncAMQP, StockSyncPostgres,    adapters, each the only importer of its C module
//   StockSyncShopify
//   StockSyncStore                       every SQL statement, grouped by the tables it owns
//   StockSyncWorkers                     the use cases and the worker services over them
//   executables                          configuration, wiring, run
let package = Package(
    name: "stocksync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "stock-worker", targets: ["StockWorker"]),
        .executable(name: "order-worker", targets: ["OrderWorker"]),
        .executable(name: "push-worker", targets: ["PushWorker"]),
        .executable(name: "reconcile-worker", targets: ["ReconcileWorker"]),
        .executable(name: "webhook-gateway", targets: ["WebhookGateway"]),
        .executable(name: "stocksync", targets: ["StockSyncCLI"]),
        .executable(name: "stocksync-bench", targets: ["StockSyncBench"]),
        .executable(name: "shopify-simulator", targets: ["ShopifySimulatorServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL.git", from: "4.3.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // C libraries, each imported by one adapter only.
        // amqp_login is variadic, which Swift cannot call: typed wrappers live here.
        .target(name: "CRabbitMQ", linkerSettings: [.linkedLibrary("rabbitmq")]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // curl_easy_setopt is variadic, which Swift cannot call: typed setters live here.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),

        .target(name: "StockSyncDomain", swiftSettings: swiftSettings),
        .target(
            name: "StockSyncRuntime",
            dependencies: [
                log, metrics, serviceLifecycle,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "StockSyncAMQP", dependencies: ["CRabbitMQ", "StockSyncRuntime", log, serviceLifecycle],
                swiftSettings: swiftSettings),
        .target(name: "StockSyncPostgres", dependencies: ["CLibPQ"], swiftSettings: swiftSettings),
        .target(name: "StockSyncShopify", dependencies: ["CCurl", "StockSyncDomain", "StockSyncRuntime", log, metrics],
                swiftSettings: swiftSettings),
        .target(
            name: "StockSyncStore",
            dependencies: ["StockSyncDomain", "StockSyncPostgres", crypto],
            // In the binary, so that `stocksync migrate` needs no files beside it.
            resources: [
                .embedInCode("Migrations/0001_stock.sql"),
                .embedInCode("Migrations/0002_push.sql"),
                .embedInCode("Migrations/0003_reconcile.sql"),
                .embedInCode("Migrations/0004_orders.sql"),
                .embedInCode("Migrations/0005_byte_order_keys.sql"),
                .embedInCode("Migrations/0006_outbox_in_place.sql"),
                .embedInCode("Migrations/0007_sealed_tokens.sql"),
                .embedInCode("Migrations/0008_retention.sql"),
                .embedInCode("Migrations/0009_push_failures.sql"),
                .embedInCode("Migrations/0010_expectation_times.sql"),
                .embedInCode("Migrations/0011_reconcile_queue.sql"),
                .embedInCode("Migrations/0012_app_lifecycle.sql"),
                .embedInCode("Migrations/0013_order_backfill.sql"),
                .embedInCode("Migrations/0014_expiring_tokens.sql"),
                .embedInCode("Migrations/0015_live_drift.sql"),
                .embedInCode("Migrations/0016_unstocked_levels.sql"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockSyncWorkers",
            dependencies: [
                "StockSyncDomain", "StockSyncRuntime", "StockSyncAMQP", "StockSyncPostgres", "StockSyncShopify",
                "StockSyncStore", log, metrics, serviceLifecycle,
            ],
            swiftSettings: swiftSettings
        ),
        // Shopify webhook verification: apart from the workers, because swift-crypto brings
        // all of Foundation, which the workers do without (about 10 MB of memory each).
        .target(name: "ShopifyWebhooks", dependencies: ["StockSyncDomain", crypto], swiftSettings: swiftSettings),

        .executableTarget(name: "StockWorker", dependencies: ["StockSyncRuntime", "StockSyncWorkers"],
                          swiftSettings: swiftSettings),
        .executableTarget(name: "OrderWorker", dependencies: ["StockSyncRuntime", "StockSyncAMQP", "StockSyncWorkers"],
                          swiftSettings: swiftSettings),
        .executableTarget(name: "PushWorker", dependencies: ["StockSyncRuntime", "StockSyncWorkers"],
                          swiftSettings: swiftSettings),
        .executableTarget(name: "ReconcileWorker", dependencies: ["StockSyncRuntime", "StockSyncWorkers"],
                          swiftSettings: swiftSettings),
        .executableTarget(
            name: "WebhookGateway",
            dependencies: [
                "StockSyncDomain", "StockSyncRuntime", "StockSyncAMQP", "StockSyncPostgres", "StockSyncShopify", "StockSyncStore",
                "StockSyncWorkers", "ShopifyWebhooks", hummingbird,
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                log, metrics, serviceLifecycle,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StockSyncCLI",
            dependencies: [
                "StockSyncDomain", "StockSyncRuntime", "StockSyncAMQP", "StockSyncPostgres", "StockSyncShopify",
                "StockSyncStore", "StockSyncWorkers", argumentParser, log,
            ],
            swiftSettings: swiftSettings
        ),
        // The development stand-in for Shopify's Admin API: a library (tested in-process)
        // and its HTTP server.
        .target(
            name: "ShopifySimulator",
            dependencies: ["StockSyncDomain", "StockSyncRuntime", "StockSyncShopify", "ShopifyWebhooks", graphQL,
                           orderedCollections],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ShopifySimulatorServer",
            dependencies: ["ShopifySimulator", "StockSyncRuntime", hummingbird],
            swiftSettings: swiftSettings
        ),
        // Deterministic workloads and the repository's fixtures, shared by the tests and the benchmarks.
        .target(
            name: "TestSupport",
            dependencies: ["StockSyncDomain", "StockSyncRuntime", "StockSyncShopify"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StockSyncBench",
            dependencies: [
                "StockSyncDomain", "StockSyncRuntime", "StockSyncAMQP", "StockSyncPostgres", "StockSyncShopify",
                "StockSyncStore", "StockSyncWorkers", "ShopifyWebhooks", "TestSupport", argumentParser, log,
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "StockSyncDomainTests", dependencies: ["StockSyncDomain", "TestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "StockSyncStoreTests", dependencies: ["StockSyncStore"], swiftSettings: swiftSettings),
        .testTarget(name: "StockSyncRuntimeTests", dependencies: ["StockSyncRuntime", "TestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "StockSyncAMQPTests", dependencies: ["StockSyncAMQP"], swiftSettings: swiftSettings),
        .testTarget(name: "StockSyncPostgresTests", dependencies: ["StockSyncPostgres"], swiftSettings: swiftSettings),
        .testTarget(name: "StockSyncWorkersTests", dependencies: ["StockSyncRuntime", "StockSyncPostgres", "StockSyncWorkers"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "StockSyncShopifyTests", dependencies: ["StockSyncDomain", "StockSyncShopify", log],
                    swiftSettings: swiftSettings),
        .testTarget(name: "ShopifyWebhooksTests", dependencies: ["ShopifyWebhooks", "StockSyncDomain", "StockSyncShopify", "TestSupport", crypto],
                    swiftSettings: swiftSettings),
        .testTarget(
            name: "ShopifySimulatorTests",
            dependencies: ["ShopifySimulator", "ShopifyWebhooks", "StockSyncDomain", "StockSyncRuntime", "StockSyncShopify", "TestSupport",
                           graphQL, orderedCollections, log],
            swiftSettings: swiftSettings
        ),
        // Against real RabbitMQ and PostgreSQL servers (scripts/test starts them).
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "StockSyncDomain", "StockSyncRuntime", "StockSyncAMQP", "StockSyncPostgres", "StockSyncShopify",
                "StockSyncStore", "StockSyncWorkers", "TestSupport", log, crypto,
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// libFuzzer targets (`scripts/fuzz`), in the manifest only when STOCKSYNC_FUZZ is set: they
// link libFuzzer's own `main`, so they build only with `--sanitize=fuzzer`.
if Context.environment["STOCKSYNC_FUZZ"] != nil {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzStockChanged", ["StockSyncDomain"]), ("FuzzReconcileRequest", ["StockSyncDomain"]),
        ("FuzzOrderWebhook", ["StockSyncDomain"]), ("FuzzWebhookIntake", ["ShopifyWebhooks"]),
        ("FuzzBulkLines", ["StockSyncDomain", "StockSyncShopify"]),
    ]
    for (name, dependencies) in fuzzTargets {
        package.targets.append(.executableTarget(
            name: name, dependencies: dependencies, path: "Tests/Fuzz/\(name)",
            swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]))
    }
}
