"""Reporters: the only stage that prints. Each turns a run's findings into one format."""
