"""Repair plans: risk scores, plans within a budget, and field-crew work packages."""
