"""Sharing public protection information: decisions, disclosures (and, to come, the
disclosure schemes)."""
