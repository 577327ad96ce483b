"""The contract is true: schemathesis, with all its checks, finds no answer that disagrees with the
spec the app serves, nor any 500, on every operation (a few examples each, bounded in time).

The app runs under uvicorn on port 0, on this test's database seeded with the demo city, and is
called as the demo system admin, then as a demo team leader: the admin is refused (403) the
operations only a team's phone may call (patrols, scans, the batch upload), which the leader's
run reaches. Two operations are left out because they would sign the caller out mid-run
(`auth-logout`, `me-devices-revoke`); tests/accounts covers them.
"""

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from backend.core import pii
from backend.models import User
from backend.seed.demo import seed
from tests.factories import auth

pytest.importorskip("schemathesis")

EXAMPLES_PER_OPERATION = 3
LEFT_OUT = ("auth-logout", "me-devices-revoke")
CONFIG = Path(__file__).resolve().parent.parent / "schemathesis.toml"


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # not the main thread
        pass


def _serve(app) -> tuple[_Server, threading.Thread, int]:
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        threading.Event().wait(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, port


@pytest.mark.parametrize("phone", ["+84901000001", "+84901000005"], ids=["admin", "team_leader"])
async def test_live_server_keeps_the_contract(app, session, tmp_path: Path, phone):
    await seed(session, app.state.settings)
    await session.commit()
    caller = await session.scalar(select(User).where(pii.phone_matches(User.phone_index, phone)))
    headers = auth(app, caller)
    await session.close()
    # The server runs in its own thread and event loop: start it with no pooled connection.
    await app.state.engine.dispose()
    server, thread, port = _serve(app)
    try:
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(CONFIG),
            "run",
            f"http://127.0.0.1:{port}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--phases",
            "examples,fuzzing",
            "--generation-deterministic",
            "--no-shrink",
            "--workers",
            "1",
            "--header",
            f"Authorization: {headers['Authorization']}",
            "--report-dir",
            str(tmp_path),
            *(arg for op in LEFT_OUT for arg in ("--exclude-operation-id", op)),
        ]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"}
        result = await asyncio.to_thread(
            subprocess.run,
            command,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=tmp_path,  # its cache stays out of the repository
        )
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
