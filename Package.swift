// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

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
        .library(name: "StockSyncCore", targets: ["StockSyncCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL.git", from: "4.3.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // C libraries: each is imported by exactly one folder of StockSyncCore.
        // amqp_login is variadic, which Swift cannot call: typed wrappers live here.
        .target(
            name: "CRabbitMQ",
            linkerSettings: [.linkedLibrary("rabbitmq")]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // curl_easy_setopt is variadic, which Swift cannot call: typed setters live here.
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(
            name: "StockSyncCore",
            dependencies: [
                "CRabbitMQ",
                "CLibPQ",
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "StockWorker", dependencies: ["StockSyncCore"], swiftSettings: swiftSettings),
        .executableTarget(name: "OrderWorker", dependencies: ["StockSyncCore"], swiftSettings: swiftSettings),
        .executableTarget(name: "PushWorker", dependencies: ["StockSyncCore"], swiftSettings: swiftSettings),
        .executableTarget(name: "ReconcileWorker", dependencies: ["StockSyncCore"], swiftSettings: swiftSettings),
        // Shopify webhook verification: apart from the core, because swift-crypto brings all
        // of Foundation, which the workers do without (about 10 MB of memory each).
        .target(
            name: "ShopifyWebhooks",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WebhookGateway",
            dependencies: [
                "StockSyncCore",
                "ShopifyWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StockSyncCLI",
            dependencies: [
                "StockSyncCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The development stand-in for Shopify's Admin API: a library (tested in-process)
        // and its HTTP server.
        .target(
            name: "ShopifySimulator",
            dependencies: [
                "StockSyncCore",
                "ShopifyWebhooks",
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ShopifySimulatorServer",
            dependencies: [
                "ShopifySimulator",
                "StockSyncCore",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // Deterministic workloads, shared by the tests and the benchmarks.
        .target(
            name: "TestSupport",
            dependencies: ["StockSyncCore"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StockSyncBench",
            dependencies: [
                "StockSyncCore",
                "ShopifyWebhooks",
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockSyncCoreTests",
            dependencies: [
                "StockSyncCore",
                "ShopifyWebhooks",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ShopifySimulatorTests",
            dependencies: [
                "ShopifySimulator",
                "StockSyncCore",
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // Against real RabbitMQ and PostgreSQL servers (scripts/test starts them).
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "StockSyncCore",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
