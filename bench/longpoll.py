"""A lean HTTP/1.1 client for holding many long-polls from one benchmark process.

A thousand ``httpx`` clients in one event loop spend about 3 ms of the machine's CPU on each
response (measured: 28 s for 10,000 answers), which on a small machine is more than the server
spends answering it; commit-to-client latency then measures the load generator. A long-poll
follower needs only a request written as bytes and a response split at its ``content-length``,
which an :class:`asyncio.Protocol` does in microseconds, as load tools such as ``wrk`` do.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiting: asyncio.Future[Answer] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._answer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(ConnectionError("the server closed the connection"))

    def _answer(self) -> None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiting is None or self.waiting.done():
            return
        status_line, *lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:
            self.waiting.set_exception(ValueError(f"no content-length in {status_line!r}"))
            return
        length = int(headers["content-length"])
        if len(self.buffer) < end + 4 + length:
            return
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        self.waiting.set_result(Answer(int(status_line.split(" ", 2)[1]), headers, body))


class Client:
    """One kept-alive connection to ``base_url``, a request at a time, with ``headers`` on each."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.head = f"Host: {self.host}:{self.port}\r\n{extra}\r\n".encode()
        self.connection: _Connection | None = None

    async def get(self, path: str, query: dict[str, str]) -> Answer:
        """``GET path?query``, on a new connection when the last one was closed."""
        if self.connection is None or self.connection.transport is None or self.connection.transport.is_closing():
            loop = asyncio.get_running_loop()
            _, self.connection = await loop.create_connection(_Connection, self.host, self.port)
        connection = self.connection
        assert connection.transport is not None
        connection.waiting = asyncio.get_running_loop().create_future()
        connection.transport.write(f"GET {path}?{urlencode(query)} HTTP/1.1\r\n".encode() + self.head)
        return await connection.waiting

    def close(self) -> None:
        if self.connection is not None and self.connection.transport is not None:
            self.connection.transport.close()
