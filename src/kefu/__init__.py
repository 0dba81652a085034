"""Kefu: self-hosted omnichannel AI customer service and contact center."""

__version__ = "0.1.0"
