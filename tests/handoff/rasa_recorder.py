"""A loopback stand-in for the Rasa server's HTTP API: records what the service sends.

Accepts ``POST /conversations/{sender_id}/tracker/events`` with a JSON list of events (or
one event) as Rasa does, answers like Rasa with the conversation's tracker, and keeps every
request for the tests. ``fail = True`` makes it answer 500.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PATH = re.compile(r"^/conversations/(?P<sender>[^/]+)/tracker/events$")


@dataclass
class Recorded:
    sender_id: str
    query: dict[str, str]
    events: list[dict[str, Any]]
    headers: dict[str, str]


class RasaRecorder:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.fail = False
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                match = PATH.match(url.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if match is None:
                    return self._answer(404, {"status": "failure", "reason": "NotFound"})
                if recorder.fail:
                    return self._answer(500, {"status": "failure", "reason": "ConversationError"})
                try:
                    events = json.loads(body)
                except ValueError:
                    return self._answer(400, {"status": "failure", "reason": "BadRequest"})
                events = events if isinstance(events, list) else [events]
                sender = unquote(match["sender"])
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                with recorder._lock:
                    recorder.requests.append(Recorded(sender, query, events, dict(self.headers.items())))
                self._answer(200, {"sender_id": sender, "events": events, "paused": False})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> RasaRecorder:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
        self.fail = False

    def for_sender(self, sender_id: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.sender_id == sender_id]

    def bot_texts(self, sender_id: str) -> list[str]:
        return [e.get("text") for r in self.for_sender(sender_id) for e in r.events if e.get("event") == "bot"]
