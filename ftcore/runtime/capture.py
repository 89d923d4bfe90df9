"""Other libraries' output goes to a log file, not the terminal: the terminal is ftcore's.

While a run or ``ftcore prepare`` works, :class:`OutputCapture` sends everything that
``datasets``, ``transformers``, ``deepspeed``, ``torch`` and friends print — log records,
``warnings.warn`` messages, progress bars, plain ``print`` calls and C-level writes to file
descriptors 1 and 2 — to a log file (``run.log`` in the run directory, ``prepare.log`` in the
stage cache). Their progress bars are switched off. With ``verbose`` the same text also reaches
the terminal. ftcore's own console keeps writing to the terminal throughout.

A few messages matter to the user and are rephrased once, in ftcore's words, through ``note``
(see :func:`rephrase`); the original stays in the log.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import threading
import warnings
from pathlib import Path
from typing import Callable, Optional

# Environment switches read by the libraries when they are imported (and inherited by workers).
QUIET_ENV = {
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

THIRD_PARTY_LOGGERS = ("datasets", "transformers", "huggingface_hub", "deepspeed", "DeepSpeed", "torch", "accelerate",
                       "peft", "filelock", "fsspec", "urllib3", "py.warnings")

HEAD_KEY = re.compile(r"^(classifier|score|lm_head|qa_outputs|pooler|cls)\b")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

# A worker process started by DeepSpeed's launcher marks the lines of ftcore's own console with
# this prefix; the ``ftcore run`` process prints them and sends every other line to run.log.
CONSOLE_MARK = "\x1eftcore\x1e "


def quiet_environment(env: Optional[dict] = None) -> dict:
    """Set the libraries' quiet switches in ``env`` (default ``os.environ``); returns ``env``."""
    env = os.environ if env is None else env
    for key, value in QUIET_ENV.items():
        env.setdefault(key, value)
    return env


def disable_progress_bars() -> None:
    """Switch off the progress bars of the libraries already imported (the environment covers later imports)."""
    if "datasets" in sys.modules:
        sys.modules["datasets"].disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars as hub_disable

        hub_disable()


def rephrase(text: str) -> Optional[str]:
    """ftcore's words for a library message that matters to the user, or None for one that does not.

    transformers' "LOAD REPORT" lists weights the checkpoint lacked; for a new task head that is
    expected (this run trains it), for other weights the user should know.
    """
    if "LOAD REPORT" not in text or "MISSING" not in text:
        return None
    missing = [m.group(1) for m in re.finditer(r"^\s*(\S+)\s*\|\s*MISSING\b", text, re.M)]
    if not missing:
        return None
    head = [k for k in missing if HEAD_KEY.match(k)]
    other = [k for k in missing if k not in head]
    parts = []
    if head:
        names = sorted({k.split(".")[0] for k in head})
        parts.append(f"the {' and '.join(names)} head is newly initialized ({', '.join(head)}): "
                     "this run trains it")
    if other:
        shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
        parts.append(f"{len(other)} weight(s) of the base model were not in its checkpoint and start from random "
                     f"values: {shown}")
    return "note: " + "; ".join(parts)


class LogStream:
    """A text stream that appends to the log file (and, when ``echo`` is given, writes there too)."""

    def __init__(self, capture: "OutputCapture", echo=None):
        self.capture = capture
        self.echo = echo
        self.encoding = "utf-8"
        self.errors = "replace"

    def write(self, text: str) -> int:
        """Append ``text`` to the log; look for a message to rephrase."""
        self.capture.write(text)
        if self.echo is not None:
            self.echo.write(text)
        return len(text)

    def flush(self) -> None:
        """Flush the log (and the echo stream)."""
        self.capture.flush()
        if self.echo is not None:
            self.echo.flush()

    def isatty(self) -> bool:
        """Never a terminal: libraries then draw no live bars and no colours."""
        return False

    def writable(self) -> bool:
        """Always writable."""
        return True

    def fileno(self) -> int:
        """The log file's descriptor while the capture is active (for code that writes to it directly)."""
        log = self.capture._file
        if log is None:
            raise io.UnsupportedOperation("the capture has ended")
        return log.fileno()

    def close(self) -> None:
        """Nothing to close: handlers that outlive the capture (and close their stream at exit) may call it."""

    @property
    def closed(self) -> bool:
        """Never closed: after the capture, writes go to the process's standard error."""
        return False


class MarkedStream:
    """ftcore's console in a worker process: every line goes to ``stream`` prefixed by :data:`CONSOLE_MARK`."""

    def __init__(self, stream):
        self.stream = stream
        self._partial = ""

    def write(self, text: str) -> int:
        """Write whole lines, each marked; keep a partial last line until its end arrives."""
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self.stream.write(CONSOLE_MARK + line + "\n")
        return len(text)

    def flush(self) -> None:
        """Flush the underlying stream (a partial line waits for its end)."""
        self.stream.flush()

    def isatty(self) -> bool:
        """Never a terminal: the worker's display is the plain line format."""
        return False


class FallbackHandler(logging.StreamHandler):
    """Writes a library logger's records until the library installs a handler of its own (on import)."""

    def __init__(self, logger: logging.Logger, stream):
        super().__init__(stream)
        self.logger = logger

    def emit(self, record: logging.LogRecord) -> None:
        """Write ``record`` unless another handler of the logger already does."""
        if any(h is not self for h in self.logger.handlers):
            return
        super().emit(record)


class OutputCapture:
    """A context manager: third-party output goes to ``log_path`` while it is active; see the module docstring.

    ``console`` is ftcore's rich console; when it writes to the terminal's standard output or
    error, it is moved to a copy of that descriptor so it keeps reaching the terminal while the
    descriptors themselves point at the log. ``note`` receives rephrased messages, once each.
    """

    def __init__(self, log_path: Path, *, verbose: bool = False, console=None,
                 note: Optional[Callable[[str], None]] = None, descriptors: bool = True):
        self.log_path = Path(log_path)
        self.verbose = verbose
        self.console = console
        self.note = note
        self.descriptors = descriptors and not verbose
        self.lines = 0  # lines of library output in the log, counted when the capture ends
        self.noted: set[str] = set()
        self._lock = threading.Lock()
        self._file = None
        self._pending = ""

    # ------------------------------------------------------------------ the log

    def write(self, text: str) -> None:
        """Append library output to the log file (without colour codes); rephrase what matters."""
        if not text:
            return
        with self._lock:
            if self._file is None:
                sys.__stderr__.write(text)
                return
            text = ANSI.sub("", text)
            self._file.write(text)
            self._pending = (self._pending + text)[-20000:]
            if "\n" in text and "Notes:" in self._pending.rpartition("LOAD REPORT")[2]:
                self._maybe_note()

    def _maybe_note(self) -> None:
        said = rephrase(self._pending)
        if said is None:
            return
        self._pending = ""
        if said in self.noted or self.note is None:
            return
        self.noted.add(said)
        self.note(said)

    def echo(self, text: str) -> None:
        """Show library output on the terminal as well (``verbose``)."""
        stream = self._saved_streams[1] if getattr(self, "_saved_streams", None) else sys.__stderr__
        stream.write(text)
        stream.flush()

    def flush(self) -> None:
        """Flush the log file."""
        with self._lock:
            if self._file is not None:
                self._file.flush()

    # ------------------------------------------------------------------ entering and leaving

    def __enter__(self) -> "OutputCapture":
        quiet_environment()
        disable_progress_bars()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.log_path, "a", encoding="utf-8", errors="replace", buffering=1)
        self._start_offset = self.log_path.stat().st_size
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, ValueError):
                pass
        self._saved_streams = (sys.stdout, sys.stderr)
        self._saved_fds: list[tuple[int, int]] = []
        self._opened = None
        if self.console is not None:
            # Pin the console to the stream it writes to now: sys.stdout/sys.stderr are about to change.
            self._console_file = self.console._file
            self.console.file = self.console.file
        if self.descriptors:
            self._redirect_descriptors()
        sys.stdout = LogStream(self, echo=self._saved_streams[0] if self.verbose else None)
        sys.stderr = LogStream(self, echo=self._saved_streams[1] if self.verbose else None)
        self._swapped_handlers = self._redirect_handlers()
        self._showwarning = warnings.showwarning
        warnings.showwarning = self._warning_to_log
        return self

    def _redirect_descriptors(self) -> None:
        """Point file descriptors 1 and 2 at the log (C-level output), keeping the console on the terminal."""
        console_fd = self._console_fd()
        for fd in (1, 2):
            try:
                saved = os.dup(fd)
            except OSError:
                continue
            self._saved_fds.append((fd, saved))
            if fd == console_fd:
                self._opened = os.fdopen(os.dup(saved), "w", encoding="utf-8", errors="replace", buffering=1)
                self.console.file = self._opened
        self._file.flush()
        for fd, _ in self._saved_fds:
            os.dup2(self._file.fileno(), fd)

    def _console_fd(self) -> Optional[int]:
        if self.console is None:
            return None
        try:
            return self.console.file.fileno()
        except (AttributeError, OSError, ValueError):
            return None

    def _redirect_handlers(self) -> list:
        """Library log handlers made earlier hold the streams of that moment: point them at the log."""
        swapped = []
        self._added_handlers = []
        for name in THIRD_PARTY_LOGGERS:
            logger = logging.getLogger(name)
            for handler in logger.handlers:
                # A stream handler writes where sys.stdout/sys.stderr were when it was made; a file
                # handler is someone's deliberate choice and is left alone. One handler may serve
                # several loggers: it is swapped (and later restored) once.
                if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler) \
                        and all(h is not handler for h, _ in swapped):
                    swapped.append((handler, handler.stream))
                    handler.setStream(sys.stderr)
            if not logger.handlers:
                # Records would reach the root logger's handlers, wherever they write: keep them here.
                handler = FallbackHandler(logger, sys.stderr)
                handler.setFormatter(logging.Formatter("[%(name)s] %(levelname)s: %(message)s"))
                logger.addHandler(handler)
                self._added_handlers.append((logger, handler, logger.propagate))
                logger.propagate = False
        return swapped

    def _warning_to_log(self, message, category, filename, lineno, file=None, line=None) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))  # echoed if verbose

    def __exit__(self, *exc) -> None:
        if "LOAD REPORT" in self._pending:
            self._maybe_note()
        warnings.showwarning = self._showwarning
        for handler, stream in self._swapped_handlers:
            handler.setStream(stream)
        for logger, handler, propagate in self._added_handlers:
            logger.removeHandler(handler)
            if not logger.handlers:  # a library that installed its own handler meanwhile chose propagation
                logger.propagate = propagate
        sys.stdout, sys.stderr = self._saved_streams
        self.flush()
        for fd, saved in self._saved_fds:
            os.dup2(saved, fd)
            os.close(saved)
        if self.console is not None:
            self.console.file = self._console_file
        if self._opened is not None:
            self._opened.close()
        with self._lock:
            self._file.close()
            self._file = None
        self.lines += self._count_new_lines()

    def _count_new_lines(self) -> int:
        """Lines the log gained during this capture (C-level writes included)."""
        with open(self.log_path, "rb") as f:
            f.seek(self._start_offset)
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
