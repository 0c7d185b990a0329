"""Repair plans on the web: score and plan APIs, work-package files, the plan page."""
