import Testing

/// Every integration test shares the servers' queues and tables, so all of them run one at
/// a time under this one suite (`.serialized` reaches nested suites; separate top-level
/// suites would run side by side).
@Suite(.serialized, .enabled(if: IntegrationEnvironment.isConfigured, IntegrationEnvironment.skipReason))
enum IntegrationTests {}
