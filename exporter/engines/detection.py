"""Engine detection as data: the order in which `engine: auto` asks the engines, and the host rules.

`exporter.fetch.detect` does the asking; this module only says what to ask. A new engine is one
line in `DETECTION_ORDER` (tests/test_engines_detection.py fails until it has one), and one in
`HOST_ENGINES` if its pages live on a host that no other engine serves.

Order: engines whose documents only their own platform serves come first. incident.io comes
before Statuspage because incident.io pages also answer Statuspage's summary.json (with less in
it); the engines that read a vendor's own API (Slack, Heroku, AWS, Google Cloud) follow; Status.io
and the feed come last, because their document is the configured URL itself, which on any other
page is HTML. Uptime Kuma is asked only for a URL of its shape (`{base}/status/{slug}`).
"""

from __future__ import annotations

from types import MappingProxyType
from urllib.parse import urlsplit

#: The engine name that asks for detection (`engine: auto`, `--statuspage.engine auto`).
AUTO = "auto"

DETECTION_ORDER: tuple[str, ...] = (
    "incidentio",
    "statuspage",
    "instatus",
    "betterstack",
    "slack",
    "heroku",
    "aws",
    "google_cloud",
    "cachet",
    "uptime_kuma",
    "salesforce",
    "azure_devops",
    "ibm_cloud",
    "apple",
    "statusio",
    "feed",
)

#: Hosts that serve exactly one engine's pages: detection asks that engine only.
HOST_ENGINES = MappingProxyType(
    {
        "health.aws.amazon.com": "aws",
        "status.cloud.google.com": "google_cloud",
        "status.heroku.com": "heroku",
        "slack-status.com": "slack",
        "status.slack.com": "slack",
        "api.status.io": "statusio",
        "api.status.salesforce.com": "salesforce",
        "status.dev.azure.com": "azure_devops",
        "cloud.ibm.com": "ibm_cloud",
        "www.apple.com": "apple",
    }
)


def candidates(url: str) -> tuple[str, ...]:
    """The engines to ask for the page at `url`, in order."""
    host = (urlsplit(url).hostname or "").lower()
    ruled = HOST_ENGINES.get(host)
    return (ruled,) if ruled is not None else DETECTION_ORDER
