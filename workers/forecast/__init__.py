"""Whole-dataset forecasts on the worker side (workers.forecast.job)."""
