"""The typed results model: the records every door writes and every consumer reads."""
