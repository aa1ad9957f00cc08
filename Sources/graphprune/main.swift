import GraphPruneCLI

GraphPruneCommand.main()
