"""Chart PNGs for alert emails: Plotly figures rendered by kaleido 1.x in a warm, offline Chromium."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
import shutil
import threading
import time
from typing import Any

# Names tried on PATH when BROWSER_PATH is not set, then fixed locations (Debian's package first).
_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_BROWSER_LOCATIONS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser")

_START_TIMEOUT_S = 60.0
_CLOSE_TIMEOUT_S = 10.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ChartImageError(RuntimeError):
    """The chart could not be drawn as an image (no Chromium, Chromium failed, timeout, bad figure).

    The message is meant for people: the caller sends the email without the image and says why.
    """


def chromium_path() -> str:
    """The Chromium executable kaleido should drive.

    `BROWSER_PATH` (the variable kaleido/choreographer read) wins when set; otherwise the first Chromium or
    Chrome on PATH, otherwise Debian's /usr/bin/chromium. Raises ChartImageError when none is executable.
    """
    override = os.environ.get("BROWSER_PATH", "").strip()
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        raise ChartImageError(
            f"Chart image unavailable: BROWSER_PATH={override!r} is not an executable Chromium. "
            "Fix BROWSER_PATH or unset it to use the system Chromium (Debian: apt-get install chromium)."
        )
    for name in _BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for location in _BROWSER_LOCATIONS:
        if os.path.isfile(location) and os.access(location, os.X_OK):
            return location
    raise ChartImageError(
        "Chart image unavailable: no Chromium found (looked at BROWSER_PATH, PATH and /usr/bin/chromium). "
        "Install it (Debian: apt-get install chromium) or set BROWSER_PATH to its executable."
    )


class _WarmRenderer:
    """One kaleido browser kept open on a private event-loop thread, reused across calls.

    We do not use kaleido.start_sync_server(): if Chromium fails to start inside its thread, later calls wait
    on its queue forever. Here every call has a deadline, and any failure closes the browser so that the next
    call starts a fresh one.
    """

    def __init__(self, browser_path: str, render_timeout_s: float) -> None:
        import kaleido  # imported lazily: importing kaleido is not free and most processes never draw a chart

        self.browser_path = browser_path
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido-renderer", daemon=True)
        self._thread.start()
        self._kaleido: Any = None
        try:
            # mathjax=False: MathJax would come from a CDN; plotly.js comes from the installed plotly package.
            self._kaleido = kaleido.Kaleido(path=browser_path, mathjax=False, timeout=render_timeout_s)
            self._run(self._kaleido.open(), _START_TIMEOUT_S)
        except BaseException:
            self.close()
            raise

    def _run(self, coroutine: Any, timeout_s: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout_s)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def render_png(self, figure: Any, width: int, height: int, timeout_s: float) -> bytes:
        opts = {"format": "png", "width": width, "height": height, "scale": 1}
        return self._run(self._kaleido.calc_fig(figure, opts=opts), timeout_s)

    def close(self) -> None:
        try:
            self._run(self._shutdown(), _CLOSE_TIMEOUT_S)
        except BaseException:  # noqa: BLE001 - closing is best effort; the loop stops regardless
            pass
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=_CLOSE_TIMEOUT_S)
            if not self._thread.is_alive():
                self._loop.close()

    async def _shutdown(self) -> None:
        # Close the browser, then cancel what choreographer left running (its watchdog) so nothing is
        # destroyed while pending when the loop stops.
        if self._kaleido is not None:
            try:
                await self._kaleido.close()
            except Exception:  # noqa: BLE001 - a browser that never started cannot close cleanly
                pass
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)


_lock = threading.Lock()
_renderer: _WarmRenderer | None = None
_last_timing: dict[str, float] = {}


def figure_png(fig: Any, width: int = 720, height: int = 360, *, timeout_s: float = 30.0) -> bytes:
    """PNG bytes of a Plotly figure (or its dict), `width` x `height` CSS pixels at scale 1.

    The first call in a process starts Chromium (about 2-4 s); later calls reuse it (about 0.15-0.25 s).
    Calls are serialised. Raises ChartImageError with a readable message on any failure.
    """
    global _renderer
    if not (isinstance(width, int) and isinstance(height, int)) or not (10 <= width <= 4000 and 10 <= height <= 4000):
        raise ChartImageError(f"Chart image size must be whole pixels between 10 and 4000, got {width}x{height}.")
    if not (hasattr(fig, "to_dict") or (isinstance(fig, dict) and "data" in fig)):
        raise ChartImageError(f"Chart image needs a Plotly figure, got {type(fig).__name__}.")
    browser = chromium_path()
    with _lock:
        started = time.perf_counter()
        cold = False
        if _renderer is not None and _renderer.browser_path != browser:
            _renderer.close()
            _renderer = None
        if _renderer is None:
            cold = True
            try:
                _renderer = _WarmRenderer(browser, render_timeout_s=timeout_s)
            except Exception as exc:  # noqa: BLE001 - every start failure becomes one readable error
                raise ChartImageError(
                    f"Chart image unavailable: Chromium at {browser} did not start ({_describe(exc)})."
                ) from exc
        try:
            png = _renderer.render_png(fig, width, height, timeout_s)
        except Exception as exc:  # noqa: BLE001 - a failed render may leave the tab broken: start afresh next time
            _renderer.close()
            _renderer = None
            raise ChartImageError(f"Chart image could not be drawn ({_describe(exc)}).") from exc
        _last_timing.clear()
        _last_timing.update({"seconds": time.perf_counter() - started, "cold": float(cold)})
    if not isinstance(png, bytes) or not png.startswith(PNG_MAGIC):
        raise ChartImageError("Chart image could not be drawn (the renderer returned something that is not a PNG).")
    return png


def last_render_timing() -> dict[str, float]:
    """Seconds taken by the last successful figure_png call and whether it started Chromium (cold=1.0)."""
    return dict(_last_timing)


def close_chart_renderer() -> None:
    """Close the warm Chromium, if any (called at exit; safe to call any time)."""
    global _renderer
    with _lock:
        if _renderer is not None:
            _renderer.close()
            _renderer = None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, concurrent.futures.TimeoutError | TimeoutError | asyncio.TimeoutError):
        return "timed out"
    first = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    lines = first.strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


atexit.register(close_chart_renderer)
