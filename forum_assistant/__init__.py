"""Forum Assistant."""
