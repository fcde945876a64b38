"""JSON Schemas of config.json and of the HCCL rank table, generated from the models.

The generator imports pydantic, so it lives in `mindie_epcheck.schema.generate` and only
`epcheck schema` loads it.
"""
