import Foundation

// Issue 8's benchmark, against a real PostgreSQL server started for the run (RealPostgres, durable
// settings: fsync on, PostgreSQL's defaults):
//   swift run -c release ClusterBenchmark ingest       events/s into PostgreSQL from two nodes' sinks
//   swift run -c release ClusterBenchmark propagation  a block on one node reaching the other (p50/p99)
// Figures and their reading: BENCHMARKS.md.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "ingest": try await runIngest(Array(arguments.dropFirst()))
case "propagation": try await runPropagation(Array(arguments.dropFirst()))
default:
    FileHandle.standardError.write(Data("usage: ClusterBenchmark ingest|propagation [options]\n".utf8))
    exit(2)
}
