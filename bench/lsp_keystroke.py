"""How long `ftcore lsp` takes to answer a keystroke on the largest shipped recipe.

Starts the server as an editor does (`ftcore lsp`, JSON-RPC over stdio), opens the largest
recipe in recipes/, then types: each keystroke is a didChange of the whole text, and the time
is measured from sending it to receiving the publishDiagnostics it causes (the full check:
parse, resolve, check against the plugins' schemas, every rule, lowering and graph passes).
Completion and hover requests at fixed places are timed the same way, send to answer.

    python bench/lsp_keystroke.py [--keystrokes 200]

Prints median, 95th percentile and maximum in milliseconds, and (on Linux) the server's mean
CPU time per keystroke, which other programs on a busy machine do not inflate the way they do
wall-clock times; bench/README.md keeps a result.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Client:
    """A minimal blocking LSP client over the server's stdin and stdout."""

    def __init__(self, root: Path):
        script = Path(sys.executable).parent / "ftcore"
        command = [str(script), "lsp"] if script.exists() else [sys.executable, "-m", "ftcore.cli", "lsp"]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=root)
        self.ident = 0

    def send(self, message: dict) -> None:
        """Write one JSON-RPC message with its Content-Length header."""
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def receive(self) -> dict:
        """Read the next message the server sends."""
        length = 0
        while True:
            line = self.proc.stdout.readline().strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def request(self, method: str, params) -> dict:
        """Send a request and wait for its answer (notifications in between are dropped)."""
        self.ident += 1
        self.send({"id": self.ident, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.ident and "method" not in message:
                return message

    def wait_for(self, method: str) -> dict:
        """Wait for the next notification ``method``."""
        while True:
            message = self.receive()
            if message.get("method") == method:
                return message


def _cpu_seconds(pid: int):
    """User + system CPU time of process ``pid`` so far (Linux), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"


def main() -> None:
    """Run the measurement and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keystrokes", type=int, default=200)
    args = parser.parse_args()
    recipe = max((ROOT / "recipes").glob("*.ftr"), key=lambda p: p.stat().st_size)
    text = recipe.read_text(encoding="utf-8")
    uri = recipe.resolve().as_uri()
    client = Client(ROOT)
    client.request("initialize", {"processId": os.getpid(), "rootUri": ROOT.as_uri(), "capabilities": {}})
    client.send({"method": "initialized", "params": {}})
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "ftr", "version": 1, "text": text}}})
    client.wait_for("textDocument/publishDiagnostics")

    # Type a comment at the end, one character at a time, as a person would: the recipe stays
    # valid, so every keystroke runs the whole check, not just a failing parse.
    typed, keystrokes = "\n# ", []
    cpu_before = _cpu_seconds(client.proc.pid)
    sentence = "tuned on the March export of the ticket queue; "
    for version in range(2, args.keystrokes + 2):
        typed += sentence[(version - 2) % len(sentence)]
        start = time.perf_counter()
        client.send({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text + typed}]}})
        published = client.wait_for("textDocument/publishDiagnostics")
        keystrokes.append(time.perf_counter() - start)
        if published["params"]["diagnostics"]:
            sys.exit(f"the recipe stopped checking clean: {published['params']['diagnostics']}")
    cpu_after = _cpu_seconds(client.proc.pid)

    lines = text.split("\n")
    metrics_line = next(i for i, line in enumerate(lines) if line.strip().startswith("metrics"))
    completion_at = {"line": metrics_line, "character": len(lines[metrics_line])}
    hover_line = next(i for i, line in enumerate(lines) if "optimizer" in line)
    hover_at = {"line": hover_line, "character": lines[hover_line].index("adamw") + 1}
    completions, hovers = [], []
    for _ in range(50):
        start = time.perf_counter()
        client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": completion_at})
        completions.append(time.perf_counter() - start)
        start = time.perf_counter()
        client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": hover_at})
        hovers.append(time.perf_counter() - start)
    client.request("shutdown", None)
    client.send({"method": "exit"})
    client.proc.wait(timeout=30)

    print(f"recipe: {recipe.relative_to(ROOT)} ({len(text)} characters, {len(lines)} lines)")
    print(f"keystroke -> diagnostics ({len(keystrokes)} keystrokes): {_ms(keystrokes)}")
    if cpu_before is not None and cpu_after is not None:
        print(f"server CPU time per keystroke: {(cpu_after - cpu_before) / len(keystrokes) * 1000:.1f} ms (mean)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"completion ({len(completions)} requests): {_ms(completions)}")
    print(f"hover ({len(hovers)} requests): {_ms(hovers)}")


if __name__ == "__main__":
    main()
