"""Event bus: typed events, the transactional outbox, and the in-process backend."""
