"""Data shipped with fabricbench: the instance catalog, presets and the embedded local config."""
