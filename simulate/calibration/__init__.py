"""Calibration of the model to observed programme moments (ABC-SMC)."""
