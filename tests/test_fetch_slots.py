"""upstream.Upstream: bounded request slots per host and in all."""

from __future__ import annotations

import pytest

from exporter.fetch.slots import NoSlot, Upstream


def test_a_host_has_at_most_its_slots_and_a_late_one_gives_up_at_its_timeout():
    upstream = Upstream(per_host=2, total=16)
    url = "https://status.example.com/x"
    with upstream.slot(url, 1), upstream.slot(url, 1):
        with pytest.raises(NoSlot, match="all 2 connection slots for https://status.example.com:443 busy"):
            with upstream.slot(url, 0.05):
                pass
        with upstream.slot("https://other.example.com/x", 0.05):
            pass  # another host is not held up
    with upstream.slot(url, 0.05):
        pass  # freed on exit


def test_the_global_limit_holds_across_hosts():
    upstream = Upstream(per_host=4, total=1)
    with upstream.slot("https://a.example.com/", 1):
        with pytest.raises(NoSlot, match="all upstream request slots busy"):
            with upstream.slot("https://b.example.com/", 0.05):
                pass


def test_retain_forgets_the_slots_of_hosts_no_page_uses_while_a_holder_keeps_its_own():
    upstream = Upstream(per_host=1)
    with upstream.slot("https://gone.example.com/x", 1):
        upstream.retain(["https://kept.example.com/other"])
        with upstream.slot("https://gone.example.com/x", 0.05):
            pass  # a new set of slots: the host came back
    with upstream.slot("https://gone.example.com/x", 0.05):
        pass  # the old holder released into its own, forgotten, semaphore without error
