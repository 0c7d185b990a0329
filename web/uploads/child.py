"""Run one upload's import in a child process, in a folder that is always removed.

The web process saves the file into a private folder (``UPLOAD_TMP/<server pid>-<random>``),
starts `web.uploads.worker` there with ``TMPDIR`` pointing inside it (so whatever the readers
unpack lives there too) and waits: when the wall-clock limit passes or the client hangs up,
the child is killed; the folder goes in every case. A folder left by a server that was
itself killed is removed at the next start-up (`clean_stale`).

>>> folder_owner(Path("/tmp/infracensus-uploads/4242-x1y2"))
4242
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from flask import current_app

from registry import errors
from registry.errors import InvalidInput, LimitExceeded, RegistryError
from web.uploads.limits import UploadLimits, mebibytes

ClientGone = Callable[[], bool]
#: The repository (or site-packages) folder the child imports `web` from.
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
POLL_SECONDS = 0.1
#: How a C library in the child dies when an allocation fails under RLIMIT_AS.
MEMORY_SIGNALS = (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)


class ClientClosed(RegistryError):
    """The client hung up before the import finished; the import was stopped."""

    status = 400
    title = "Client closed request"


@contextmanager
def upload_folder(limits: UploadLimits) -> Iterator[Path]:
    """A fresh private folder for one upload, removed however the upload ends."""
    base = Path(limits.tmp)
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    clean_stale(limits)  # a worker process that died (gunicorn restarts it) left its folders
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clean_stale(limits: UploadLimits) -> list[Path]:
    """Remove the folders of servers that no longer run; the folders removed."""
    base = Path(limits.tmp)
    stale = [f for f in base.iterdir() if f.is_dir() and not running(folder_owner(f))] \
        if base.is_dir() else []
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def folder_owner(folder: Path) -> int:
    head = folder.name.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def running(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def run_import(job: dict[str, Any], folder: Path, limits: UploadLimits,
               client_gone: ClientGone) -> dict[str, Any]:
    """The child's import report; its error, rebuilt, raised here."""
    job = {**job, "limits": limits.as_json(), "parent": os.getpid(),
           "result": str(folder / "result.json")}
    (folder / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    with open(folder / "child.log", "wb") as log:
        child = subprocess.Popen([sys.executable, "-m", "web.uploads.worker",
                                  str(folder / "job.json")], cwd=folder, env=child_env(folder),
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        code, cpu = wait(child, job["name"], limits, client_gone)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return outcome(folder, job["name"], code, cpu, limits)


def child_env(folder: Path) -> dict[str, str]:
    env = {**os.environ, "TMPDIR": str(folder), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1"}  # BLAS thread pools would reserve address space per core
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    return env


def wait(child: subprocess.Popen, name: str, limits: UploadLimits,
         client_gone: ClientGone) -> tuple[int, float]:
    """The child's exit code and CPU seconds; LimitExceeded or ClientClosed otherwise (the
    child is then killed)."""
    deadline = time.monotonic() + limits.timeout_seconds
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)  # wait4: the child's own rusage
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            child.kill()
            raise LimitExceeded(f"{name}: the import took longer than the wall-clock limit of "
                                f"{limits.timeout_seconds:g} s (UPLOAD_TIMEOUT_SECONDS) and was "
                                "stopped; nothing was written")
        if client_gone():
            child.kill()
            raise ClientClosed(f"{name}: the client closed the connection; import stopped")
        time.sleep(POLL_SECONDS)


def outcome(folder: Path, name: str, code: int, cpu: float,
            limits: UploadLimits) -> dict[str, Any]:
    result = folder / "result.json"
    if result.is_file():
        answer = json.loads(result.read_text(encoding="utf-8"))
        if "error" in answer:
            raise rebuilt(answer["error"])
        return answer["report"]
    log_tail = (folder / "child.log").read_text(encoding="utf-8", errors="replace")[-4000:]
    current_app.logger.error("upload child ended with %s:\n%s", code, log_tail)
    raise ended_abnormally(name, code, cpu, limits)


def ended_abnormally(name: str, code: int, cpu: float, limits: UploadLimits) -> RegistryError:
    """What a child that wrote no answer ran into, said as plainly as its exit allows."""
    unfinished = ("; an import is one transaction, so unless the batch is listed, "
                  "nothing was written")
    if code == -signal.SIGXCPU or (code == -signal.SIGKILL and cpu >= limits.cpu_seconds):
        return LimitExceeded(f"{name}: the import used more than the CPU-time limit of "
                             f"{limits.cpu_seconds} s (UPLOAD_CPU_SECONDS) and was stopped"
                             + unfinished)
    if code == -signal.SIGALRM:
        return LimitExceeded(f"{name}: the import took longer than the wall-clock limit of "
                             f"{limits.timeout_seconds:g} s (UPLOAD_TIMEOUT_SECONDS)" + unfinished)
    if -code in MEMORY_SIGNALS:
        return LimitExceeded(f"{name}: the import process stopped with signal "
                             f"{signal.Signals(-code).name}, as a reader does when it reaches "
                             f"the memory limit of {mebibytes(limits.memory_bytes)} "
                             "(UPLOAD_MEMORY_BYTES)" + unfinished)
    how = f"was killed by signal {signal.Signals(-code).name}" if code < 0 else f"failed (exit {code})"
    return errors.StorageError(f"{name}: the import process {how}; the error has been "
                               "logged" + unfinished)


def rebuilt(error: Mapping[str, Any]) -> RegistryError:
    """The child's error as the same registry error class, message unchanged."""
    kind = getattr(errors, str(error.get("kind")), None)
    if not (isinstance(kind, type) and issubclass(kind, RegistryError)):
        kind = InvalidInput
    exc = kind.__new__(kind)
    Exception.__init__(exc, str(error.get("detail", "")))
    return exc


def client_gone_probe(environ: Mapping[str, Any]) -> ClientGone:
    """A check whether the client behind this WSGI request has closed its connection.

    The body has been read by then, so a readable socket that yields no byte is closed.
    Servers that do not expose the socket (werkzeug and gunicorn do) get a probe that
    never fires; the wall-clock limit still ends the import.
    """
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if not isinstance(sock, socket.socket):
        return lambda: False

    def gone() -> bool:
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except ValueError:  # a TLS socket cannot peek: never mind
            return False
        except OSError:  # reset by the peer
            return True
    return gone
