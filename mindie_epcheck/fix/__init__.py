"""Fixes for findings: the text edits rules attach, and `validate --fix` applying them."""
