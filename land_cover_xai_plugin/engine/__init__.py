"""The engine: Sentinel-2 time series, models, training, inference, explanations, metrics.

Nothing under this package imports Qt or QGIS (tests/test_architecture.py keeps that wall
standing), so it runs headless: in the CLI, in tests, in Processing, on a cluster.
torch and captum are imported lazily by the modules that need them.
"""
