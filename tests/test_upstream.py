"""upstream.Upstream and RequestSockets: shared sessions, bounded slots, cutting stuck requests."""

from __future__ import annotations

import socket
import threading

import pytest

from exporter.upstream import NoSlot, RequestSockets, Upstream, tracking


def test_pages_on_one_host_share_a_session_and_other_hosts_do_not():
    upstream = Upstream()
    a = upstream.session("https://status.example.com/api/v2/summary.json")
    assert upstream.session("https://status.example.com/p2/api/v2/summary.json") is a
    assert upstream.session("https://status.example.com:443/x") is a  # the default port, spelled out
    assert upstream.session("http://status.example.com/x") is not a
    assert upstream.session("https://other.example.com/x") is not a


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


def test_retain_closes_the_sessions_of_hosts_no_page_uses():
    upstream = Upstream()
    kept = upstream.session("https://kept.example.com/x")
    gone = upstream.session("https://gone.example.com/x")
    closed = []
    gone.close = lambda: closed.append(True)
    upstream.retain(["https://kept.example.com/other"])
    assert closed == [True]
    assert upstream.session("https://kept.example.com/x") is kept
    assert upstream.session("https://gone.example.com/x") is not gone  # a new one if it comes back


def test_cut_shuts_down_every_socket_the_request_used_and_any_it_uses_later():
    left, right = socket.socketpair()
    late_left, late_right = socket.socketpair()
    sockets = RequestSockets()
    try:
        sockets.add(left)
        sockets.cut()
        assert left.recv(1) == b""  # shut down: reads end at once instead of blocking
        sockets.add(late_left)
        assert late_left.recv(1) == b""
    finally:
        for sock in (left, right, late_left, late_right):
            sock.close()


def test_tracking_is_per_thread():
    from exporter import upstream as module

    sockets = RequestSockets()
    seen_elsewhere = []
    with tracking(sockets):
        thread = threading.Thread(target=lambda: seen_elsewhere.append(getattr(module._current, "sockets", None)))
        thread.start()
        thread.join()
        assert module._current.sockets is sockets
    assert seen_elsewhere == [None]
    assert module._current.sockets is None
