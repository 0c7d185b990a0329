"""A real HTTP server process serving the app, and what a test reads from outside it: the
server's peak memory, its upload children, multipart bodies sent over a raw socket."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import requests

REPO = Path(__file__).resolve().parents[2]
SERVE = """
import json, sys
from werkzeug.serving import make_server
from web.app import create_app
server = make_server("127.0.0.1", 0, create_app(json.loads(sys.argv[1])), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


class Server:
    """A served app: its base URL and its process."""

    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process, self.url = process, f"http://127.0.0.1:{port}"

    def peak_memory_bytes(self) -> int:
        """The server process's peak resident memory (VmHWM)."""
        return status_kib(self.process.pid, "VmHWM") << 10

    def upload_children(self) -> list[int]:
        """Pids of the server's running upload children."""
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            for pid in (task / "children").read_text().split():
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                except FileNotFoundError:
                    continue
                if b"web.uploads.worker" in command:
                    found.append(int(pid))
        return found

    def upload(self, name: str, data: bytes, **form: str) -> tuple[requests.Response, float]:
        """POST /api/imports; the answer and the seconds it took."""
        started = time.monotonic()
        answer = requests.post(f"{self.url}/api/imports", data={"layer": "drains", **form},
                               files={"file": (name, data)}, timeout=300)
        return answer, time.monotonic() - started


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


@contextmanager
def serving(config: dict[str, Any]) -> Iterator[Server]:
    """The app built from `config`, served by its own process until the block ends."""
    process = subprocess.Popen([sys.executable, "-c", SERVE, json.dumps(config)], cwd=REPO,
                               env={**os.environ, "PYTHONPATH": str(REPO)},
                               stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        yield Server(process, port)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()


def multipart(name: str, data: bytes, **form: str) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type, for a raw socket."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
             .encode() for key, value in {"layer": "drains", **form}.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                 + data + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
