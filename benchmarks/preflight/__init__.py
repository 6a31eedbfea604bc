"""Preflight: is this the path the fabric should take? Facts per host, then verdicts.

Half of "my bandwidth is low" reports are a misconfigured path (TCP fallback, plugin not loaded,
GDR off, missing NICs). Preflight gathers the facts on every host, and turns them, with the
instance catalog, into ok / warning / invalid verdicts with one-line reasons.
"""
