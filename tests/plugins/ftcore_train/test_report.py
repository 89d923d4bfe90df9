"""report.html: self-contained (embedded PNGs, no network), the run's numbers in it, opened in a real
headless Chromium with every picture decoded, and rebuilt by ``ftcore report``."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "runtime"))

from tiny_recipes import read_metrics, write_recipe  # noqa: E402

pytest.importorskip("torch")
pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny classifier run with evaluation during training, a baseline and a confusion matrix."""
    import torch
    from rich.console import Console

    from ftcore.runtime.run import run_command

    folder = tmp_path_factory.mktemp("report")
    recipe = write_recipe(folder, "classification", train="max_steps 6  eval_every 3",
                          evaluate="evaluate d.test { metrics accuracy, confusion_matrix  baseline true }")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    out = io.StringIO()
    try:
        status = run_command(str(recipe), out=str(folder / "run"), console=Console(file=out, width=200))
    finally:
        torch.set_num_threads(before)
    assert status == 0, out.getvalue()
    assert "report.html" in out.getvalue()
    return folder / "run"


def test_the_report_is_self_contained_and_holds_the_runs_numbers(run_dir):
    page = (run_dir / "report.html").read_text()
    images = re.findall(r'<img[^>]* src="([^"]+)"', page)
    assert len(images) == 3  # loss and learning rate; the confusion matrices of the fine-tuned and starting model
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'(src|href)="(?!data:)', page) and "<script" not in page and "<link" not in page
    (record,) = [r for r in read_metrics(run_dir) if r.get("split") == "d.test"]
    row = (f"<tr><td>accuracy</td><td class=num>{record['accuracy']:.4f}</td>"
           f"<td class=num>{record['baseline']['accuracy']:.4f}</td>")
    assert row in page
    first = json.loads((run_dir / "predictions" / "d.test.jsonl").read_text().splitlines()[0])
    assert f"<td>{first['input']}</td><td>{first['reference']}</td><td>{first['prediction']}</td>" in page
    assert "<td>train</td><td class=num>76</td>" in page and "transformers" in page
    assert 'recipe "tiny-classification" { seed 3 }' in page


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no Chromium found (apt-get install chromium; .ci/run installs it): the report was not opened in a "
                "browser")


def test_a_headless_browser_shows_every_picture_and_the_metric_table_with_no_network(run_dir, tmp_path):
    browser = _chromium()
    page = (run_dir / "report.html").read_text()
    probe = ("<script>window.addEventListener('load',()=>{const i=[...document.images];"
             "document.body.insertAdjacentHTML('beforeend','<p id=probe>'+i.length+' '+"
             "i.filter(x=>x.complete&&x.naturalWidth>100&&x.naturalHeight>100).length+' '+"
             "document.querySelectorAll('table tr').length+'</p>')})</script>")
    copy = tmp_path / "report.html"  # the page under test, with a probe that reports what the browser rendered
    copy.write_text(page.replace("</body>", probe + "</body>"))
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                             "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", copy.as_uri()],
                            capture_output=True, text=True, timeout=120)
    found = re.search(r'<p id="probe">(\d+) (\d+) (\d+)</p>', result.stdout)
    assert found, result.stderr[-2000:]
    images, shown, rows = map(int, found.groups())
    assert images == shown == 3 and rows > 10


def test_ftcore_report_writes_the_same_page_again(run_dir, capsys):
    from ftcore.cli import main

    before = (run_dir / "report.html").read_text()
    (run_dir / "report.html").unlink()
    assert main(["report", str(run_dir)]) == 0
    assert capsys.readouterr().out.strip() == f"report: {run_dir / 'report.html'}"
    assert (run_dir / "report.html").read_text() == before
    assert main(["report", str(run_dir / "model")]) == 1
    assert "is not a run directory (no manifest.json)" in capsys.readouterr().err
