"""Alerts: detection, explanation, scheduling and delivery."""
