"""The local stack as a real process (``python -m infra.local``), reached over real HTTP.

The stack runs as a subprocess so that this test process's environment stays clean (the
stack sets AWS_ENDPOINT_URL, fake credentials and the functions' variables in its own).
``stack`` is one stack for the whole session; ``start_stack`` starts more (for the
start/stop tests) and stops whatever it started at the end.
"""
from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
_launches = itertools.count(1)
STOP_TIMEOUT = 20.0


class RunningStack:
    def __init__(self, process: subprocess.Popen, state_dir: Path, output_file: Path):
        self.process = process
        self.state_dir = state_dir
        self.output_file = output_file
        self.info: dict[str, Any] = {}
        self.tokens: dict[str, str] = {}

    @property
    def api(self) -> str:
        return self.info["api"]

    @property
    def console(self) -> str:
        return self.info["console"]

    @property
    def env(self) -> dict[str, str]:
        return self.info["env"]

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.output_file.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, base: str = "api", **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return requests.get(getattr(self, base) + path, **kwargs)

    def post(self, path: str, base: str = "api", **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return requests.post(getattr(self, base) + path, **kwargs)

    def wait_until_ready(self, timeout: float = START_TIMEOUT) -> None:
        stack_file = self.state_dir / "stack.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the local stack exited with {self.process.returncode} while starting:\n"
                            f"{self.output()}")
            if stack_file.exists():
                self.info = json.loads(stack_file.read_text(encoding="utf-8"))
                self.tokens = json.loads((self.state_dir / "tokens.json").read_text(encoding="utf-8"))
                return
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"no {stack_file} after {timeout:.0f} s; output:\n{self.output()}")

    def stop(self, sig: int = signal.SIGINT, timeout: float = STOP_TIMEOUT) -> int:
        """Send ``sig`` and wait; a stack that does not exit is killed and the test fails."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                pytest.fail(f"the local stack did not exit within {timeout:.0f} s of "
                            f"{signal.Signals(sig).name}:\n{self.output()}")
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def launch(state_dir: Path, extra_env: Optional[dict[str, str]] = None) -> RunningStack:
    """Start ``python -m infra.local`` with its own state dir and free ports."""
    state_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"PORT": "0", "CONSOLE_PORT": "0", "LOCAL_STATE_DIR": str(state_dir),
                "MELDPUNT_MIN_FORM_AGE_SECONDS": "0", "PYTHONUNBUFFERED": "1"})
    env.update(extra_env or {})
    output_file = state_dir / f"output-{next(_launches)}.log"
    with open(output_file, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "infra.local"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return RunningStack(process, state_dir, output_file)


CHROMIUM = "/usr/bin/chromium"   # Debian's (make e2e installs it)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test (each test opens its own context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> RunningStack:
    running = launch(tmp_path_factory.mktemp("stack"))
    running.wait_until_ready()
    yield running
    returncode = running.stop(signal.SIGINT)
    assert returncode == 0, f"the local stack exited with {returncode}:\n{running.output()}"
    assert not (running.state_dir / "stack.json").exists(), "stack.json left behind"


@pytest.fixture
def start_stack(tmp_path) -> Callable[..., RunningStack]:
    """Start an extra stack (``start_stack("name", PORT="8123")``); stopped after the test."""
    started: list[RunningStack] = []

    def start(name: str = "extra", **extra_env: str) -> RunningStack:
        running = launch(tmp_path / name, extra_env)
        started.append(running)
        running.wait_until_ready()
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.stop(signal.SIGINT)


@pytest.fixture
def launch_stack() -> Callable[..., RunningStack]:
    """``launch`` without waiting: for a stack that is expected to refuse to start."""
    return launch


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2,
             message: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy; return its value, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


@pytest.fixture
def poll() -> Callable[..., Any]:
    return wait_for
