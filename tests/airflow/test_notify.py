"""The spec's `notify:`: a failed check of severity `error` sends one e-mail and one webhook call, each naming the
table and the check with offending rows, to a local SMTP server and a local HTTP server started here."""

from __future__ import annotations

import email
import json
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from helpers import edit, project_copy

from warehouse.compile import load_project

CHECK = "- accepted_values: {column: level, values: [free, paid]}\n      - freshness"  # songplays', to fail on paid


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to take messages (no TLS, no login): each one's bytes go to `server.messages`."""

    def handle(self) -> None:
        self.wfile.write(b"220 sink\r\n")
        data: list[bytes] | None = None
        while line := self.rfile.readline():
            if data is not None:
                if line == b".\r\n":
                    self.server.messages.append(b"".join(data))  # type: ignore[attr-defined]
                    data = None
                    self.wfile.write(b"250 OK\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                data = []
                self.wfile.write(b"354 end with .\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class HttpSink(BaseHTTPRequestHandler):
    """Takes POSTs: each one's path and JSON body go to `server.messages`."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.messages.append((self.path, json.loads(body)))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sinks() -> Iterator[tuple[socketserver.TCPServer, HTTPServer]]:
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpSink)
    http = HTTPServer(("127.0.0.1", 0), HttpSink)
    for server in (smtp, http):
        server.messages = []  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield smtp, http
    for server in (smtp, http):
        server.shutdown()
        server.server_close()


def test_a_failed_check_sends_one_message_naming_the_table_and_the_check(
    sinks: tuple[socketserver.TCPServer, HTTPServer],
    airflow_db: None,
    sample_data: tuple[Path, dict],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from warehouse_dags import build_dag

    smtp, http = sinks
    monkeypatch.setenv(
        "AIRFLOW_CONN_ALERTS_SMTP",
        f"smtp://127.0.0.1:{smtp.server_address[1]}?disable_ssl=true&disable_tls=true&from_email=etl%40example.com",
    )
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_HOOK", f"http://127.0.0.1:{http.server_address[1]}")
    path = project_copy(tmp_path)
    edit(path, CHECK, CHECK.replace("[free, paid]", "[free]"))
    with open(path, "a") as spec:
        spec.write(
            "notify:\n"
            "  email: {to: [oncall@example.com], connection: alerts_smtp}\n"
            "  webhook: {connection: alerts_hook, endpoint: /warehouse}\n"
        )
    dag = build_dag(load_project(path), "run")
    run = dag.test(
        logical_date=datetime(2018, 11, 3, tzinfo=UTC), run_conf={"target": f"duckdb:///{tmp_path}/w.duckdb"}
    )
    assert run.state == "failed"

    (raw,) = smtp.messages  # type: ignore[attr-defined]
    mail = email.message_from_bytes(raw)
    assert mail["To"] == "oncall@example.com"
    assert mail["Subject"] == "sparkify: all_steps failed for [2018-11-02 00:00, 2018-11-03 00:00)"
    ((endpoint, posted),) = http.messages  # type: ignore[attr-defined]
    assert endpoint == "/warehouse"
    assert (posted["dag_id"], posted["task_id"]) == ("sparkify", "all_steps")
    for text in (_text(mail), posted["text"]):
        assert "songplays: accepted_values(level in 1 value(s)) failed (error)" in text
        assert "paid" in text  # an offending row


def _text(mail: Message) -> str:
    import html

    parts = [p.get_payload(decode=True).decode() for p in mail.walk() if p.get_content_maintype() == "text"]
    return html.unescape("\n".join(parts))
