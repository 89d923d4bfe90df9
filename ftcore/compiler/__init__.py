"""The compiler: binding values to schemas, checking rules, lowering to the run graph, passes."""
