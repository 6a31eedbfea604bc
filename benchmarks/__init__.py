"""The measurement engine: plan, launch, sweep, time, aggregate and record."""
