"""A sample page per engine for the status API's schema tests: this suite's own small documents
(tests/fixtures/engines/, always present) and the real captures in ../shared/fixtures/engines/.

Every engine in `exporter.engines.ENGINES` needs an entry in `SAMPLES`: the schema tests run over
all of them, and fail for an engine without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from exporter.engines import Body
from tests import payloads, shared_fixtures
from tests.engine_fixtures import OWN_ENGINE_FIXTURES


@dataclass(frozen=True)
class Sample:
    #: The page's URL under a fake's base URL ("" for the base URL itself).
    url_path: str
    #: One file per endpoint, in `endpoints()` order (paths under tests/fixtures/).
    files: tuple[str, ...]

    def page_url(self, base: str = "https://status.example.com") -> str:
        """The page's URL under `base`, as a page file would give it."""
        return base + self.url_path

    def bodies(self) -> list[Body]:
        return [Body((payloads.FIXTURES / name).read_bytes(), "application/json") for name in self.files]


_OWN = OWN_ENGINE_FIXTURES.relative_to(payloads.FIXTURES)

SAMPLES: dict[str, Sample] = {
    "statuspage": Sample("", ("summary-groups-incident-maintenance.json",)),
    "incidentio": Sample("", (f"{_OWN}/incidentio-proxy-affected-incident-maintenance.json",)),
    "statusio": Sample(
        "/1.0/status/5b36dc6502d06804c08349f7", (f"{_OWN}/statusio-security-event-active-maintenance.json",)
    ),
    "instatus": Sample(
        "",
        (
            f"{_OWN}/instatus-v3-summary-hasissues-incident-maintenance.json",
            f"{_OWN}/instatus-components-issues-groups.json",
        ),
    ),
    "betterstack": Sample("", (f"{_OWN}/betterstack-index-degraded-downtime-incident-maintenance.json",)),
    "slack": Sample("", (f"{_OWN}/slack-current-outage-notice-resolved.json",)),
    "google_cloud": Sample("", (f"{_OWN}/gcp-incidents-two-open-one-ended.json",)),
    "aws": Sample("", (f"{_OWN}/aws-currentevents-minor-major-numbers.json",)),
    "heroku": Sample("", (f"{_OWN}/heroku-current-status-incident-maintenances.json",)),
    # Its maintenance is planned for 2099: open under any clock these tests run with.
    "feed": Sample("/feed.atom", (f"{_OWN}/feed-incidentio-atom-open-incident-maintenances.xml",)),
    "cachet": Sample(
        "",
        (
            f"{_OWN}/cachet-components-statuses-1-to-4-groups.json",
            f"{_OWN}/cachet-groups-two.json",
            f"{_OWN}/cachet-incidents-open-and-fixed.json",
            f"{_OWN}/cachet-schedules-upcoming-running-done.json",
        ),
    ),
    "uptime_kuma": Sample(
        "/status/main",
        (
            f"{_OWN}/uptime-kuma-status-page-two-groups-danger-incident.json",
            f"{_OWN}/uptime-kuma-heartbeat-up-down-pending-maintenance.json",
        ),
    ),
    "salesforce": Sample("", (f"{_OWN}/salesforce-preview-incident-two-instances-maintenance.json",)),
    "azure_devops": Sample("", (f"{_OWN}/azure-devops-health-advisory-degraded-unhealthy.json",)),
    "ibm_cloud": Sample("", (f"{_OWN}/ibm-cloud-enhanced-status-open-incidents-maintenance.json",)),
    "apple": Sample("", (f"{_OWN}/apple-system-status-outage-issue-maintenances.json",)),
}

#: Engine -> real captures, each one file per endpoint, under ../shared/fixtures/engines/.
SHARED_CAPTURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "statuspage": (
        *((f"../statuspage/{path.name}",) for path in payloads.shared_payloads() if "-summary-" in path.name),
        ("statuspage-cloudamqp-2020-07-16-under-maintenance-in-progress.json",),
        ("incidentio-compat-openai-2026-09-29-degraded-2incidents.json",),
    ),
    "incidentio": (("incidentio-proxy-openai-2026-09-xx-operational-structure-groups.json",),),
    "statusio": (
        ("statusio-docker-2020-07-16-partial-disruption-1incident.json",),
        ("statusio-gitlab-2023-06-29-operational-upcoming-maintenance.json",),
    ),
    "instatus": (
        (
            "instatus-perplexity-2026-09-xx-v3-summary-up.json",
            "instatus-perplexity-2026-09-xx-components-operational.json",
        ),
    ),
    "betterstack": (
        ("betterstack-together.ai-2026-09-04-index-operational-downtime-history-resolved-maintenance.json",),
    ),
    "slack": (("slack-current-2020-07-30-active-2incidents.json",),),
    "google_cloud": (("gcp-incidents-2026-02-27-vertex-gemini-TRIMMED-by-source.json",),),
    "aws": (("aws-health-currentevents-2026-09-xx-2open-1resolved-trimmed.json",),),
    "heroku": (("heroku-v4-current-status-2020-11-09-data-blue-scheduled.json",),),
    "feed": (
        ("feed-statuspage-atom-github-2019-11-22-all-resolved.xml",),
        ("feed-statuspage-rss-digitalocean-2020-01-11-maintenance-in-progress.xml",),
        ("feed-statuspage-rss-parse-2014-01-09-plain-times-postmortem.xml",),
        ("feed-incidentio-atom-openai-2026-09-02-all-resolved.xml",),
        ("feed-aws-rss-ec2-tokyo-2019-09-07-all-closed.xml",),
    ),
    "cachet": (
        (
            "cachet-demo-2026-09-12-components.json",
            "cachet-demo-2026-09-12-components-groups.json",
            "cachet-demo-2026-09-12-incidents-1-unresolved.json",
            "cachet-demo-2026-09-12-schedules.json",
        ),
    ),
    "uptime_kuma": (("uptime-kuma-demo-2026-09-12-status-page.json", "uptime-kuma-demo-2026-09-12-heartbeat.json"),),
    "salesforce": (("salesforce-2020-07-30-instances-status-preview-40-of-1528-TRIMMED.json",),),
    "azure_devops": (("azure-devops-2026-07-24-health-all-healthy.json",),),
    "ibm_cloud": (("ibm-cloud-2026-08-01-enhanced-status-resolved-trimmed.json",),),
    "apple": (("apple-2026-07-30-system-status-5-resolved-outages.json",),),
}


def shared_bodies(files: Sequence[str]) -> list[Body]:
    """A capture's bodies (skips the test where ../shared is absent)."""
    # No Content-Type: as the engines' own tests read them, the engine decodes by byte-order mark.
    return [Body(shared_fixtures.shared_bytes(name)) for name in files]
