"""An example ftcore plugin distribution: a source, a cleaner, a metric and a block with a stage."""
