"""Write leases on a Chroma server: writers queue for the next generation instead of
failing when another one commits first.

A lease is a record ``lease:<N>:<term>`` in the index's records collection: who (owner,
and a token only that process knows) may commit generation N, for how long it is held
without a sign of life (``ttl``), and a heartbeat counter (``beat``) the holder bumps
every ``ttl/3`` seconds from a background thread. Taking one is insert-if-absent
(``Remote.add_lease``), so of two writers asking for the same term exactly one gets it.
A writer that finds term t held waits; it takes term t+1 when t is released, or when t
showed no heartbeat for ``ttl`` seconds of the waiter's own clock (so the holder and the
waiter need not agree on the time): a killed writer's lease expires by itself.

The lease only orders writers; what keeps the index consistent is the commit's
compare-and-swap on the generation (``Remote.claim``). If a lease is taken over from a
writer that was merely slow, that writer's claim fails and it rebases and tries again.
"""

from __future__ import annotations

import contextvars
import getpass
import os
import random
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from index.errors import ServerError
from index.remote import Remote, where

ENV_LEASE_SECONDS = "CASEBOOK_LEASE_SECONDS"
LEASE_SECONDS = 60.0  # a dead writer's lease frees after this long without a heartbeat
WAIT_SECONDS = 300.0  # default --wait: how long a writer queues before it gives up
_POLL = 0.5  # s between looks at the lease while waiting


_chosen_wait: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "casebook_wait", default=None
)


def wait_seconds(wait: float | None = None) -> float:
    """How long a writer queues for the lease: ``wait``, else one set by
    ``waiting_up_to`` (the CLI's ``--wait``), else 300 s."""
    if wait is None:
        wait = _chosen_wait.get()
    return WAIT_SECONDS if wait is None else max(0.0, float(wait))


@contextmanager
def waiting_up_to(seconds: float | None) -> Iterator[None]:
    """Writers opened meanwhile queue for at most ``seconds`` (None: the default)."""
    token = _chosen_wait.set(seconds)
    try:
        yield
    finally:
        _chosen_wait.reset(token)


class LeaseTimeout(ServerError):
    """Another writer held the lease for longer than this one was allowed to wait."""


def lease_seconds() -> float:
    """The lease time-to-live: ``$CASEBOOK_LEASE_SECONDS`` or 60 s."""
    raw = os.environ.get(ENV_LEASE_SECONDS)
    try:
        return max(0.5, float(raw)) if raw else LEASE_SECONDS
    except ValueError:
        raise ServerError(f"{ENV_LEASE_SECONDS}={raw!r} is not a number of seconds") from None


def owner_name() -> str:
    """Who holds a lease, as the waiting writer is told: user@host, process id."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"{user}@{socket.gethostname()} (pid {os.getpid()})"


class Lease:
    """A held lease: renewed in the background until ``release`` or ``finish``."""

    def __init__(self, remote: Remote, record: dict[str, Any]) -> None:
        self.remote = remote
        self.record = record
        self.generation = int(record["generation"])
        self._stop = threading.Event()
        self._beats = threading.Thread(target=self._beat, name="casebook-lease", daemon=True)
        self._beats.start()

    def _beat(self) -> None:
        ttl = float(self.record["ttl"])
        while not self._stop.wait(ttl / 3):
            self.record = {**self.record, "beat": self.record["beat"] + 1, **_expiry(ttl)}
            try:
                self.remote.put_lease(self.record)
            except ServerError as e:
                # the server is gone: the lease expires, the commit's CAS decides
                print(f"casebook: lease heartbeat stopped: {e}", file=sys.stderr)
                return

    def _stop_beating(self) -> None:
        self._stop.set()
        self._beats.join(timeout=30)

    def release(self) -> None:
        """Give the lease up without committing (a failure, or a lost race)."""
        self._stop_beating()
        self.remote.put_lease({**self.record, "released": True})

    def finish(self) -> None:
        """After this writer's commit of ``generation``: its lease records are history."""
        self._stop_beating()
        self.remote.drop_leases(self.generation)


def _expiry(ttl: float) -> dict[str, str]:
    return {"expires": (datetime.now(UTC) + timedelta(seconds=ttl)).isoformat(timespec="seconds")}


def acquire(
    remote: Remote,
    deadline: float,
    *,
    ttl: float,
    on_wait: Callable[[str], None],
    wait: float,
) -> Lease:
    """Take the lease for the generation after the newest head; wait while another
    writer holds it (telling ``on_wait`` once per holder), until ``deadline``
    (``time.monotonic``). Raises ``LeaseTimeout`` then."""
    owner, token = owner_name(), uuid.uuid4().hex
    seen: dict[str, tuple[int, float]] = {}  # lease id -> (beat, when we first saw it)
    told: str | None = None
    known: int | None = None
    while True:
        head = remote.read_head(known)
        known = int(head["generation"]) if head else 0
        generation = known + 1
        held = max(remote.leases(generation), key=lambda r: r["term"], default=None)
        now = time.monotonic()
        if held is None or held.get("released") or _expired(held, seen, now):
            term = 0 if held is None else int(held["term"]) + 1
            record = {
                "id": f"lease:{generation}:{term}",
                "owner": owner,
                "token": token,
                "generation": generation,
                "term": term,
                "ttl": ttl,
                "beat": 0,
                "released": False,
                "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **_expiry(ttl),
            }
            if remote.add_lease(record):
                return Lease(remote, record)
            continue  # another writer took this term first: look again
        if now >= deadline:
            raise LeaseTimeout(
                f"waited {wait:.0f} s for the write lease on the index at "
                f"{where(remote.url, remote.name)}, held by {held['owner']}; nothing was "
                "committed — run the command again later, or allow longer with --wait SECONDS"
            )
        if told != held["id"]:
            told = held["id"]
            on_wait(
                f"waiting for the write lease on the index at {where(remote.url, remote.name)}: "
                f"held by {held['owner']} since {held['taken_at']} (up to {wait:.0f} s)"
            )
        time.sleep(min(max(0.0, deadline - now), _POLL * (0.5 + random.random())))


def _expired(held: dict[str, Any], seen: dict[str, tuple[int, float]], now: float) -> bool:
    """No heartbeat for ``ttl`` seconds, as this process measures it (or, by the holder's
    own clock, not for two ttl, so a long-dead lease need not be waited out again)."""
    ttl = float(held["ttl"])
    beat, since = seen.get(held["id"], (-1, now))
    if beat != held["beat"]:
        seen[held["id"]] = (held["beat"], now)
        since = now
    try:
        stale = datetime.now(UTC) - datetime.fromisoformat(held["expires"]) > timedelta(seconds=ttl)
    except (KeyError, ValueError):
        stale = False
    return stale or now - since > ttl
