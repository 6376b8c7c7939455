"""Live accuracy: stored forecasts scored against the actuals as rows arrive (issue 16 item 6)."""
