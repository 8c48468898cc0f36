"""The HTTP side of the read path.

- A response to a request that committed a write carries ``Turns-Commit-LSN``: the
  WAL position of the client's last commit that the replica is not yet known to
  have replayed (what the client's next read waits for). It lets a client or an
  operator see why a read went to the primary.
- A ``GET`` or ``HEAD`` whose replica connection was lost before anything was sent
  (:class:`~turns.replicas.router.ReplicaLost`) is run once more; the router has
  marked the replica unhealthy by then, so the second run reads from the primary
  and the client sees no error.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turns.kit.logging import get_logger
from turns.kit.lsn import format_lsn
from turns.replicas.router import ReplicaLost

COMMIT_LSN_HEADER = "Turns-Commit-LSN"
_RETRIED = frozenset({"GET", "HEAD"})

log = get_logger("turns.replicas")


class ReadPathMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        received: list[Message] = []

        async def recording_receive() -> Message:
            message = await receive()
            received.append(message)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                lsn = scope.get("state", {}).get("commit_lsn")
                if lsn is not None:
                    MutableHeaders(scope=message).append(COMMIT_LSN_HEADER, format_lsn(lsn))
            await send(message)

        try:
            await self.app(scope, recording_receive, sending)
        except ReplicaLost as exc:
            if started or scope["method"] not in _RETRIED:
                raise
            log.warning("read_retried_on_primary", path=scope["path"], error=str(exc).splitlines()[0])
            replay = iter(list(received))

            async def replaying_receive() -> Message:
                return next(replay, None) or await receive()

            await self.app(scope, replaying_receive, sending)
