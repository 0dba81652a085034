"""commerce package."""
