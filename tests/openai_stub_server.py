"""A small real HTTP server speaking the OpenAI chat-completions protocol, for tests of the LLM generator.

The reply is scripted per test: `server.reply` is a callable that receives the request's JSON body and
returns the assistant message content (a string), or a `StubError(status, message)` to answer with an
HTTP error. Every request is recorded in `server.requests` (method, path, headers, parsed JSON body).

    def test_x(openai_stub):
        base_url, server = openai_stub
        server.reply = lambda request: '{"stance": "prohibited", "text": "...", "citations": []}'
        LLMGenerator(base_url=base_url + "/v1", model="stub", api_key="x")

The server binds 127.0.0.1 on a free port (loopback only: the conftest network guard allows it) and
is shut down when the fixture ends.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class StubError:
    """Returned by a reply script to make the server answer with an HTTP error instead of a completion."""

    status: int = 500
    message: str = "stub server error"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict = field(default_factory=dict)

    @property
    def messages(self) -> list[dict]:
        return list(self.body.get("messages") or [])

    def message_text(self, role: str | None = None) -> str:
        """All message contents (of one role, if given) joined, for asserting what the model was shown."""
        parts = []
        for message in self.messages:
            if role is not None and message.get("role") != role:
                continue
            content = message.get("content")
            if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            parts.append(str(content or ""))
        return "\n".join(parts)


Reply = Callable[[dict], "str | StubError"]


def default_reply(request: dict) -> str:
    return json.dumps({"stance": "not_addressed", "text": "The stub has no script.", "citations": []})


class OpenAIStubServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, reply: Reply | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reply: Reply = reply or default_reply
        self.requests: list[RecordedRequest] = []
        self.models = ["stub"]
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def completions(self) -> list[RecordedRequest]:
        """The chat-completion requests received so far, in order."""
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def handle_error(self, request, client_address) -> None:
        """A client that hung up (e.g. after its timeout) is expected here; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def start(self) -> OpenAIStubServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="openai-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _headers(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    return {name.lower(): value for name, value in handler.headers.items()}


class _Handler(BaseHTTPRequestHandler):
    server: OpenAIStubServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the OpenAI client (httpx) expects

    def log_message(self, format, *args) -> None:  # noqa: A002 - silence the per-request stderr log
        pass

    def _send_json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError:
            parsed = {"_raw": raw.decode("utf-8", "replace")}
        return parsed if isinstance(parsed, dict) else {"_json": parsed}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.record(RecordedRequest("GET", self.path, _headers(self)))
        if self.path.rstrip("/").endswith("/v1/models"):
            self._send_json(200, {"object": "list", "data": [
                {"id": name, "object": "model", "created": 0, "owned_by": "stub"} for name in self.server.models]})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self._read_body()
        self.server.record(RecordedRequest("POST", self.path, _headers(self), body))
        if not self.path.rstrip("/").endswith("/v1/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        try:
            content = self.server.reply(body)
        except Exception as exc:  # a broken script is a server error, visible to the test through the client
            content = StubError(500, f"reply script raised {exc!r}")
        if isinstance(content, StubError):
            self._send_json(content.status, {"error": {"message": content.message, "type": "server_error",
                                                       "code": content.status}})
            return
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages") or [])
        completion_tokens = len(str(content).split())
        self._send_json(200, {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })


@pytest.fixture
def openai_stub(monkeypatch):
    """(base_url, server) of a running stub; base_url has no /v1 (append it for an OpenAI client)."""
    # A proxy configured in the environment must not swallow loopback requests.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = OpenAIStubServer().start()
    try:
        yield server.base_url, server
    finally:
        server.stop()
