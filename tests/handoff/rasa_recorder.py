"""A loopback stand-in for the Rasa server's HTTP API: records what the service sends.

Accepts ``POST /conversations/{sender_id}/tracker/events`` with a JSON list of events (or
one event) as Rasa does, answers like Rasa with the conversation's tracker, and keeps every
request for the tests; ``GET /conversations/{sender_id}/tracker`` answers ``paused`` as the
recorded pause/resume events left it (``paused[sender]`` may be set by a test) and, unless
``include_events=NONE``, the conversation's ``events[sender]``: what a test put there (the
customer's messages) and every event the service appended (stamped with the time it came).
``fail = True`` makes it answer 500 (with ``fail_message`` as Rasa's error message);
``hold()`` makes POSTs wait until ``release()`` (``holding`` counts those waiting).
``channel_signal`` (e.g. ``str(contract.delivery.Rerouted(...))``) makes the calls that
execute side effects answer 500 carrying it and keep nothing, as Rasa does when the output
channel raises (it saves the tracker only after the side effects).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PATH = re.compile(r"^/conversations/(?P<sender>[^/]+)/tracker/events$")
TRACKER = re.compile(r"^/conversations/(?P<sender>[^/]+)/tracker$")
# A held request is answered after this long at the latest, so that a broken test ends.
HOLD_LIMIT_S = 30


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
        self.fail_message = "An unexpected error occurred."
        self.channel_signal: str | None = None
        self.paused: dict[str, bool] = {}
        self.tracker_reads: list[str] = []
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.holding = 0
        self._released = threading.Event()
        self._released.set()
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                match = TRACKER.match(urlsplit(self.path).path)
                if match is None:
                    return self._answer(404, {"status": "failure", "reason": "NotFound"})
                if recorder.fail:
                    return self._answer(500, {"status": "failure", "message": recorder.fail_message})
                sender = unquote(match["sender"])
                verbosity = parse_qs(urlsplit(self.path).query).get("include_events", ["AFTER_RESTART"])[-1]
                with recorder._lock:
                    recorder.tracker_reads.append(sender)
                    paused = recorder.paused.get(sender, False)
                    events = None if verbosity == "NONE" else list(recorder.events.get(sender, []))
                self._answer(200, {"sender_id": sender, "paused": paused, "events": events})

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                match = PATH.match(url.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if match is None:
                    return self._answer(404, {"status": "failure", "reason": "NotFound"})
                recorder._wait_if_held()
                if recorder.fail:
                    body_500 = {"version": "3.6", "status": "failure", "message": recorder.fail_message, "code": 500}
                    return self._answer(500, body_500)
                signal = recorder.channel_signal
                if signal and parse_qs(url.query).get("execute_side_effects", ["false"])[-1] == "true":
                    message = f"An unexpected error occurred. Error: {signal}"
                    return self._answer(500, {"version": "3.6", "status": "failure", "message": message, "code": 500})
                try:
                    events = json.loads(body)
                except ValueError:
                    return self._answer(400, {"status": "failure", "reason": "BadRequest"})
                events = events if isinstance(events, list) else [events]
                sender = unquote(match["sender"])
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                with recorder._lock:
                    recorder.requests.append(Recorded(sender, query, events, dict(self.headers.items())))
                    for event in events:
                        recorder.events.setdefault(sender, []).append({"timestamp": time.time(), **event})
                        if event.get("event") in ("pause", "resume"):
                            recorder.paused[sender] = event["event"] == "pause"
                    paused = recorder.paused.get(sender, False)
                self._answer(200, {"sender_id": sender, "events": events, "paused": paused})

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
        self.release()
        with self._lock:
            self.requests.clear()
            self.paused.clear()
            self.tracker_reads.clear()
            self.events.clear()
        self.fail = False
        self.fail_message = "An unexpected error occurred."
        self.channel_signal = None

    def hold(self) -> None:
        """POSTs wait (are not answered, not recorded) until ``release()``."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def _wait_if_held(self) -> None:
        with self._lock:
            self.holding += 1
        try:
            self._released.wait(HOLD_LIMIT_S)
        finally:
            with self._lock:
                self.holding -= 1

    def for_sender(self, sender_id: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.sender_id == sender_id]

    def bot_texts(self, sender_id: str) -> list[str]:
        return [e.get("text") for r in self.for_sender(sender_id) for e in r.events if e.get("event") == "bot"]

    def bot_events(self, sender_id: str) -> list[dict[str, Any]]:
        return [e for r in self.for_sender(sender_id) for e in r.events if e.get("event") == "bot"]
