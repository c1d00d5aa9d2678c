"""Shipped programme data, indicator systems and sample data (each file names its source)."""
