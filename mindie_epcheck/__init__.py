"""epcheck: offline linter and cost estimator for MindIE Service config.json."""

__version__ = "0.1.0"
