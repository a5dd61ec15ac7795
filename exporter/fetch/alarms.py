"""One thread that calls functions at given times: the alarm clock of every fetch deadline.

A deadline arms an alarm when its fetch starts and cancels it when the fetch ends; if the alarm
rings first, it cuts the fetch's sockets. One thread serves every deadline of the process, so a
fetch starts no thread of its own to watch its time.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Callable


class Alarm:
    """An armed call; `cancel()` makes sure it does not happen (if it has not yet)."""

    __slots__ = ("at", "call", "cancelled")

    def __init__(self, at: float, call: Callable[[], None]):
        self.at = at
        self.call = call
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class AlarmClock:
    """Thread-safe. Calls each armed function once its time has come, on its one thread.

    The functions must be quick and must not raise: they run one after another on that thread.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, name: str = "statuspage-deadline"):
        self._clock = clock
        self._name = name
        self._wake = threading.Condition()
        self._heap: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread now (else it starts with the first alarm)."""
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def arm(self, seconds: float, call: Callable[[], None]) -> Alarm:
        """Call `call()` in `seconds` unless the returned alarm is cancelled first."""
        alarm = Alarm(self._clock() + seconds, call)
        self.start()
        with self._wake:
            heapq.heappush(self._heap, (alarm.at, next(self._order), alarm))
            if self._heap[0][2] is alarm:
                self._wake.notify()
        return alarm

    def pending(self) -> int:
        """Alarms armed and neither rung nor cancelled."""
        with self._wake:
            return sum(1 for _, _, alarm in self._heap if not alarm.cancelled)

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    # Cancelled alarms at the top go at once: a finished fetch leaves nothing queued.
                    while self._heap and self._heap[0][2].cancelled:
                        heapq.heappop(self._heap)
                    if self._heap and self._heap[0][0] <= self._clock():
                        alarm = heapq.heappop(self._heap)[2]
                        break
                    self._wake.wait(self._heap[0][0] - self._clock() if self._heap else None)
            if not alarm.cancelled:
                alarm.call()


_clock: AlarmClock | None = None
_clock_lock = threading.Lock()


def alarm_clock() -> AlarmClock:
    """The process's one alarm clock."""
    global _clock
    with _clock_lock:
        if _clock is None:
            _clock = AlarmClock()
        return _clock
