// The umbrella module: `import GraphPrune` sees every library target, bottom to top. The
// targets and what each may import are listed in Package.swift.
@_exported import GraphPruneNumerics
@_exported import GraphPruneGraphs
@_exported import GraphPruneIO
@_exported import GraphPruneNetwork
@_exported import GraphPruneInterchange
@_exported import GraphPrunePruning
@_exported import GraphPruneExperiments
