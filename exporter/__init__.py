"""github-status-exporter: the GitHub status page, and other vendors' status pages, as Prometheus metrics."""

__version__ = "0.1.0"
