"""The suite's own local infrastructure: Kafka (from Maven Central), the MongoDB-protocol
store SecantusDB (from uv.lock), an SMTP sink, and the runner that starts them with the four services.

No Docker engine is needed: everything is fetched from package registries once, cached in
`infra.paths.cache_dir()`, and started as plain processes on loopback.
"""
