/// Events/s into PostgreSQL from two nodes (written by the integrator; see main.swift).
func runIngest(_ arguments: [String]) async throws {
    fatalError("not written yet")
}
