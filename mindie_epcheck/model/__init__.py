"""Model stage: typed views of the configs, layout arithmetic, model facts and context."""
