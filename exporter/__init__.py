"""github-status-exporter: the GitHub status page (any Atlassian Statuspage page) as Prometheus metrics."""

__version__ = "0.1.0"
