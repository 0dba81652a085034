"""Workspaces (tenants), their inboxes and API keys."""
