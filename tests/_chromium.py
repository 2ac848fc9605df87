# ruff: noqa: E501
"""A tiny DevTools-protocol driver for headless Chromium over ``--remote-debugging-pipe``
(standard library only): open a local page, evaluate JavaScript, move and click the mouse.

Used by the tests marked ``browser``; :func:`find_chromium` says where the browser is
(``LINLAYOUT_CHROMIUM``, else ``chromium`` / ``chromium-browser`` / ``google-chrome`` on PATH).
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-extensions",
    "--window-size=1600,1400",
    "--remote-debugging-pipe",
]


def find_chromium() -> str | None:
    """Path of a Chromium binary, or None."""
    env = os.environ.get("LINLAYOUT_CHROMIUM")
    if env:
        return env if os.path.exists(env) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _high(*fds: int) -> list[int]:
    """The same pipe ends moved to descriptors >= 10 (so they never collide with 3 and 4)."""
    out = []
    for fd in fds:
        out.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return out


class Browser:
    """One headless Chromium with one page attached (``with Browser(exe) as b: b.open(path)``)."""

    def __init__(self, exe: str, timeout: float = 30.0):
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="llchrome")
        cmd_r, cmd_w = _high(*os.pipe())  # we write commands, Chromium reads them on fd 3
        ev_r, ev_w = _high(*os.pipe())  # Chromium writes replies on fd 4, we read them
        shell = f'exec "$@" 3<&{cmd_r} 4>&{ev_w} {cmd_r}<&- {ev_w}>&-'
        self.proc = subprocess.Popen(
            [shutil.which("bash") or "/bin/bash", "-c", shell, "bash", exe, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            pass_fds=(cmd_r, ev_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("LINLAYOUT_CHROMIUM_LOG") else subprocess.DEVNULL,
        )
        os.close(cmd_r)
        os.close(ev_w)
        self._w, self._r = cmd_w, ev_r
        self._buf = b""
        self._id = 0
        self.session: str | None = None

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the browser (the process this driver started) and remove its profile."""
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001 - it may already be gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from Chromium")
            ready, _, _ = select.select([self._r], [], [], left)
            if ready:
                chunk = os.read(self._r, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: bool = False, **params) -> dict:
        """Send one DevTools command and return its result (events in between are dropped)."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def open(self, path: Path) -> None:
        """Load the local file ``path`` in a new page and wait until it has loaded."""
        url = Path(path).resolve().as_uri()
        target = self.call("Target.createTarget", url=url)["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        deadline = time.monotonic() + self.timeout
        # a new target starts as a loaded about:blank: wait for the file itself to finish loading
        while self.eval(f"location.href === {json.dumps(url)} && document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} did not load")
            time.sleep(0.05)

    def eval(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serialisable); JS errors raise."""
        r = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JavaScript error: {r['exceptionDetails']}")
        return r["result"].get("value")

    def _centre(self, selector: str) -> tuple[float, float]:
        box = self.eval(
            f"(()=>{{const e=document.querySelector({json.dumps(selector)});e.scrollIntoView({{block:'center'}});"
            "const r=e.getBoundingClientRect();return [r.x+r.width/2,r.y+r.height/2];})()"
        )
        return box[0], box[1]

    def hover(self, selector: str) -> None:
        """Move the mouse over the centre of the first element matching ``selector``."""
        x, y = self._centre(selector)
        self.call("Input.dispatchMouseEvent", session=True, type="mouseMoved", x=x, y=y)

    def click(self, selector: str) -> None:
        """A real left click (press and release) on the element matching ``selector``."""
        x, y = self._centre(selector)
        self.call("Input.dispatchMouseEvent", session=True, type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", session=True, type=kind, x=x, y=y, button="left",
                      clickCount=1)

    def requests(self) -> list[str]:
        """URLs of every resource the page loaded (to check it needs no network)."""
        return self.eval("performance.getEntriesByType('resource').map(e=>e.name)")
