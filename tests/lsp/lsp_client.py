"""A small synchronous LSP client for tests: starts ``ftcore lsp`` and speaks JSON-RPC to it over stdio."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

TIMEOUT = 30.0


def ftcore_command() -> list[str]:
    """``ftcore lsp`` as an editor starts it: the installed console script next to this Python."""
    script = Path(sys.executable).parent / "ftcore"
    if script.exists():
        return [str(script), "lsp", "--stdio"]
    found = shutil.which("ftcore")
    return [found, "lsp", "--stdio"] if found else [sys.executable, "-m", "ftcore.cli", "lsp", "--stdio"]


class LspClient:
    """Starts the server, sends requests and notifications, and collects what it sends back."""

    def __init__(self, root: Path, env: Optional[dict[str, str]] = None):
        self.root = root
        self.proc = subprocess.Popen(ftcore_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=root, env={**os.environ, **(env or {})})
        self.inbox: "queue.Queue[dict]" = queue.Queue()
        self.notifications: list[dict] = []
        self.next_id = 0
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    # -- wire format

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode("ascii").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.inbox.put(json.loads(body))

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        self.proc.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
        self.proc.stdin.flush()

    def _pump(self, until: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the server did not answer; its stderr:\n" + b"".join(self.stderr).decode())
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if "method" in message and "id" in message:  # a request from the server: accept it
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if "method" in message:
                self.notifications.append(message)
            if until(message):
                return message

    # -- protocol

    def request(self, method: str, params: Any) -> Any:
        """Send a request and return its result (raises on an error response)."""
        self.next_id += 1
        ident = self.next_id
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        reply = self._pump(lambda m: m.get("id") == ident and "method" not in m)
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        return reply.get("result")

    def notify(self, method: str, params: Any) -> None:
        """Send a notification."""
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self) -> dict:
        """The LSP handshake, with the root folder as the workspace."""
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": self.root.as_uri(),
                                             "capabilities": {"textDocument": {"hover": {"contentFormat": ["markdown"]}}}})
        self.notify("initialized", {})
        self.capabilities = result["capabilities"]
        return result

    def open(self, path: Path, text: Optional[str] = None) -> str:
        """Open a document (its text from disk unless given); returns its URI."""
        uri = path.resolve().as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "ftr", "version": 1,
                                                              "text": path.read_text() if text is None else text}})
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        """Replace the whole text of an open document (as an editor does on a keystroke)."""
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def diagnostics(self, uri: str, after: int = 0) -> list[dict]:
        """The next diagnostics published for ``uri`` after the ``after``-th notification."""
        def published(m: dict) -> bool:
            return m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri

        for m in self.notifications[after:]:
            if published(m):
                return m["params"]["diagnostics"]
        return self._pump(published)["params"]["diagnostics"]

    def at(self, uri: str, line: int, character: int) -> dict:
        """TextDocumentPositionParams for a position."""
        return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}

    def close(self) -> int:
        """shutdown, exit, and the server's exit status."""
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
