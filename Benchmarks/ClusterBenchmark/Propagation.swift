/// Block propagation time between two nodes (see main.swift).
func runPropagation(_ arguments: [String]) async throws {
    fatalError("not written yet")
}
