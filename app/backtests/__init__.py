"""Backtests: rolling-origin evaluation of a registered version, run as a worker job."""
