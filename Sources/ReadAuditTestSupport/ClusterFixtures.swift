import Foundation
import Logging
import ReadAudit
import ServiceLifecycle

/// A `ClusterDatabase` on a `RealPostgres`, its pool running and its schema migrated, for the length of `body`.
public func withClusterDatabase<T: Sendable>(
    _ server: RealPostgres, logger: Logger = Logger(label: "cluster-test"), _ body: @Sendable (ClusterDatabase) async throws -> T
) async throws -> T {
    let database = try ClusterDatabase(settings: server.settings, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await database.run() }
        defer { group.cancelAll() }
        try await database.waitUntilMigrated()
        return try await body(database)
    }
}
