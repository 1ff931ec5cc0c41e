"""One ingest at a time per store, recorded in the store itself so the rule holds across folders and machines.

A file lock only serialises ingests on one machine; team mode shares a Chroma server. Chroma has no
compare-and-swap, but creating a collection whose name exists fails (a unique key in its catalogue), so the
lease is the collection `<prefix>-lease`, its metadata naming the holder, renewed while the ingest works. A
lease whose holder died (same machine, process gone) or stopped renewing (past its expiry) is taken over.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from chromadb.errors import ChromaError

from icassist.store import Store


class IngestBusy(Exception):
    """Another ingest holds the lease on this store; the message names it."""


class LeaseLost(Exception):
    """This ingest's lease expired and another took it over: stop before writing anything visible."""


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


class IngestLease:
    def __init__(self, store: Store, corpus: str, ttl_s: float) -> None:
        self.store = store
        self.name = f"{store.settings.store.collection_prefix}-lease"
        self.ttl_s = ttl_s
        self.token = uuid.uuid4().hex
        self.record: dict[str, Any] = {
            "token": self.token,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "corpus": corpus,
            "started": time.time(),
        }
        self._renewed = 0.0

    def acquire(self, wait_s: float) -> None:
        deadline = time.monotonic() + wait_s
        while True:
            if self._try_take():
                return
            holder = self._holder()
            if holder is not None and self._is_stale(holder):
                self._delete_if(holder.get("token"))
                continue
            if time.monotonic() >= deadline:
                raise IngestBusy(
                    f"Another ingest is already running on {self.store.location}"
                    + (f": {self._describe(holder)}" if holder else "")
                    + ". Wait for it to finish, or pass --wait SECONDS."
                )
            time.sleep(min(0.5, max(0.05, deadline - time.monotonic())))

    def renew(self, *, force: bool = False) -> None:
        """Push the expiry on; raises LeaseLost if the lease is no longer ours."""
        now = time.time()
        if not force and now - self._renewed < self.ttl_s / 4:
            return
        holder = self._holder()
        if holder is None or holder.get("token") != self.token:
            raise LeaseLost(
                f"This ingest stopped renewing its lease on {self.store.location} for over {self.ttl_s:.0f} s and "
                "another took over; nothing was changed. Run `icassist ingest` again."
            )
        self.store.client.get_collection(self.name, embedding_function=None).modify(
            metadata={**self.record, "expires": now + self.ttl_s}
        )
        self._renewed = now

    def release(self) -> None:
        self._delete_if(self.token)

    def __enter__(self) -> IngestLease:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()

    def _try_take(self) -> bool:
        now = time.time()
        try:
            self.store.client.create_collection(
                self.name, metadata={**self.record, "expires": now + self.ttl_s}, embedding_function=None
            )
        except (ChromaError, ValueError):
            return False
        self._renewed = now
        return True

    def _holder(self) -> dict[str, Any] | None:
        try:
            return dict(self.store.client.get_collection(self.name, embedding_function=None).metadata or {})
        except (ChromaError, ValueError):
            return None

    def _is_stale(self, holder: dict[str, Any]) -> bool:
        if float(holder.get("expires", 0)) < time.time():
            return True
        if holder.get("host") != socket.gethostname():
            return False
        try:
            os.kill(int(holder.get("pid", 0)), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, ValueError, OverflowError):
            return False
        return False

    def _delete_if(self, token: object) -> None:
        """Delete the lease if it is still the one with `token` (between the read and the delete, nothing can
        take a held lease, so the check only races another run clearing the same stale one)."""
        holder = self._holder()
        if holder is not None and holder.get("token") == token:
            with contextlib.suppress(ChromaError, ValueError):  # another run cleared it first
                self.store.client.delete_collection(self.name)

    @staticmethod
    def _describe(holder: dict[str, Any]) -> str:
        return (
            f"process {holder.get('pid')} on {holder.get('host')}, ingesting {holder.get('corpus')}, "
            f"since {_stamp(float(holder.get('started', 0)))} (lease until {_stamp(float(holder.get('expires', 0)))})"
        )
