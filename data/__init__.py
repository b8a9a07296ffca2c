"""Warehouse layer: the DuckDB file, its schema, loading data into it, and the demo store."""
