"""Real processes for the end-to-end tests: `ttq worker` and uvicorn, always killed after."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(database_url: str, **settings: str) -> dict[str, str]:
    """Environment of a child process on the test database (settings as TTQ_* variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTQ_")}
    env.update(
        TTQ_DATABASE_URL=database_url,
        TTQ_ENVIRONMENT="test",
        TTQ_SECRET_KEY=TEST_SECRET,
        TTQ_LOG_JSON="false",
        TTQ_LOG_LEVEL="INFO",
        TTQ_NOTIFY_JOBS="[]",
        # The local receiver is an internal host: allowed by name, like a closed deployment's.
        TTQ_NOTIFY_WEBHOOK_ALLOWED_HOSTS='["127.0.0.1"]',
        TTQ_NOTIFY_POLL_SECONDS="0.2",
    )
    env.update({f"TTQ_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class Procs:
    """Starts child processes and guarantees they are gone at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append((proc, log))
        return proc

    def worker(self, name: str, env: dict[str, str]) -> subprocess.Popen:
        """`ttq worker` (as `python -m backend.notifications`, the same command)."""
        args = [sys.executable, "-m", "backend.notifications", "--worker-id", name]
        return self.start(name, args, env)

    def api(self, name: str, env: dict[str, str]) -> str:
        """An API process (uvicorn, the app factory); returns its base URL once it answers."""
        port = free_port()
        args = [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        proc = self.start(name, args, env)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.log(name)}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not start: {self.log(name)}")

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_log(self, name: str, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        proc = next(p for p, log in self.running if log.stem == name)
        while time.monotonic() < deadline and proc.poll() is None:
            if text in self.log(name):
                return
            time.sleep(0.05)
        raise AssertionError(f"{name} never logged {text!r}:\n{self.log(name)}")

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc, _ in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for proc, log in self.running:
            proc.wait(timeout=10)
            # Shown by pytest only when the test failed: what each process said last.
            print(f"--- {log.stem} (exit {proc.returncode}) ---\n{self.log(log.stem)[-3000:]}")
