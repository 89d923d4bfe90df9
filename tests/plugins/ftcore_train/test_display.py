"""The training display: plain lines off a terminal, a live display with the same facts on one."""

from __future__ import annotations

import io

from rich.console import Console

from ftcore_train.display import Display, format_duration


def plain_console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=False, width=60), buf


def test_plain_lines_every_n_steps_and_at_the_end_with_every_fact():
    console, buf = plain_console()
    display = Display(7, console, every=3)
    for step in range(1, 8):
        display.step(step, loss=1.0 / step, lr=1e-3, tokens=100)
    display.evaluation(7, {"loss": 0.25, "accuracy": 0.875})
    display.close()
    lines = buf.getvalue().splitlines()
    assert [line.split("  ")[0] for line in lines] == ["train step 3/7", "train step 6/7", "train step 7/7",
                                                       "eval step 7"]
    assert lines[0].startswith("train step 3/7  loss 0.3333  lr 1.00e-03  ")
    assert " non-pad tok/s  elapsed 00:00  eta 00:00" in lines[0]
    assert lines[-1] == "eval step 7  loss 0.2500  accuracy 0.8750"
    assert "\x1b[" not in buf.getvalue() and len(max(lines, key=len)) > 60  # never cut to the width


def test_only_the_displaying_rank_prints():
    console, buf = plain_console()
    display = Display(2, console, every=1, enabled=False)
    display.step(1, 0.5, 1e-3, 10)
    display.message("checkpoint")
    display.evaluation(1, {"loss": 0.5})
    assert buf.getvalue() == ""


def test_throughput_counts_the_tokens_it_is_given_per_second(monkeypatch):
    clock = iter([100.0, 102.0])
    monkeypatch.setattr("ftcore_train.display.time.perf_counter", lambda: next(clock))
    console, buf = plain_console()
    display = Display(10, console, every=1, start_step=4)  # resumed at step 4
    display.step(5, 0.5, 1e-3, tokens=3000)
    # 3000 tokens in 2 s; one step took 2 s, five remain: 10 s
    assert "1,500 non-pad tok/s  elapsed 00:02  eta 00:10" in buf.getvalue()


def test_live_display_on_a_terminal_shows_step_stats_and_the_last_eval():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=160, color_system=None)
    display = Display(4, console, every=100)
    assert display.live is not None
    display.step(1, 0.75, 2e-4, 64)
    display.evaluation(1, {"loss": 0.5, "accuracy": 0.9})
    display.step(2, 0.5, 1e-4, 64)
    display.close()
    out = buf.getvalue()
    assert "train" in out and "2/4" in out and "loss 0.5000" in out and "lr 1.00e-04" in out
    assert "non-pad tok/s" in out and "eta" in out
    assert "last eval step 1  loss 0.5000  accuracy 0.9000" in out


def test_format_duration():
    assert format_duration(59.9) == "00:59"
    assert format_duration(3 * 3600 + 61) == "3:01:01"
    assert format_duration(float("inf")) == "?"
