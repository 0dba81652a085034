"""HTTP API routers: thin, HTTP in, service call, HTTP out."""
