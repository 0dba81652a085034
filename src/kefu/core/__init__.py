"""Core: settings, ids, clock and errors shared by every layer (imports nothing above it)."""
