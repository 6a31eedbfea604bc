"""`explain`: is each headline number normal for its hardware, and if not, why (docs/explain.md)."""
