"""OutputCapture: other libraries' output goes to the log file, ftcore's console stays on the screen."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings

from rich.console import Console

from ftcore.runtime.capture import CONSOLE_MARK, MarkedStream, OutputCapture, rephrase

LOAD_REPORT = """\x1b[1mBertForSequenceClassification LOAD REPORT\x1b[0m from: /models/minilm
Key               | Status  | 
------------------+---------+-
classifier.bias   | MISSING | 
classifier.weight | MISSING | 

Notes:
- MISSING:\tthose params were newly initialized because missing from the checkpoint. Consider training on your downstream task.
"""


def test_library_output_of_every_kind_goes_to_the_log_not_the_screen(tmp_path, capfd):
    console = Console(file=sys.stderr, force_terminal=False)
    log = tmp_path / "run.log"
    with OutputCapture(log, console=console) as capture:
        print("a print from a library")
        logging.getLogger("transformers.modeling_utils").warning("a transformers warning")
        warnings.warn("a python warning", UserWarning)
        os.write(2, b"a C-level write to fd 2\n")
        os.write(1, b"a C-level write to fd 1\n")
        console.print("ftcore's own line")
    out, err = capfd.readouterr()
    text = log.read_text()
    for line in ("a print from a library", "a transformers warning", "a python warning", "a C-level write to fd 2",
                 "a C-level write to fd 1"):
        assert line in text and line not in out + err
    assert "ftcore's own line" in err and "ftcore's own line" not in text
    assert capture.lines >= 5
    print("after the capture")  # the streams are back
    assert "after the capture" in capfd.readouterr().out


def test_verbose_shows_library_output_and_keeps_it_in_the_log(tmp_path, capfd):
    with OutputCapture(tmp_path / "run.log", verbose=True):
        print("shown and logged")
        warnings.warn("a warning shown and logged", UserWarning)
    out, err = capfd.readouterr()
    assert "shown and logged" in out and "a warning shown and logged" in err
    log = (tmp_path / "run.log").read_text()
    assert "shown and logged" in log and "a warning shown and logged" in log


def test_progress_bars_are_off_inside_a_capture(tmp_path):
    """In a fresh process (the libraries read their switches once, at import)."""
    code = f"""
import datasets
from transformers.utils import logging as hf_logging
from ftcore.runtime.capture import OutputCapture
assert datasets.is_progress_bar_enabled() and hf_logging.is_progress_bar_enabled()
with OutputCapture({str(tmp_path / "run.log")!r}):
    assert not datasets.is_progress_bar_enabled() and not hf_logging.is_progress_bar_enabled()
"""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DISABLE_PROGRESS_BARS")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_new_head_in_the_load_report_is_said_once_in_ftcores_words(tmp_path):
    notes = []
    with OutputCapture(tmp_path / "run.log", note=notes.append, descriptors=False):
        for _ in range(2):  # transformers prints it at load and again when the trained model is read back
            sys.stderr.write(LOAD_REPORT)
    assert notes == ["note: the classifier head is newly initialized (classifier.bias, classifier.weight): "
                     "this run trains it"]
    text = (tmp_path / "run.log").read_text()
    assert text.count("LOAD REPORT") == 2 and "\x1b[" not in text


def test_rephrase_tells_missing_base_weights_apart_from_a_new_head():
    said = rephrase(LOAD_REPORT.replace("classifier.bias  ", "encoder.layer.0.w"))
    assert "the classifier head is newly initialized (classifier.weight)" in said
    assert "1 weight(s) of the base model were not in its checkpoint" in said and "encoder.layer.0.w" in said
    assert rephrase("LOAD REPORT\nKey | Status\nbert.pooler | UNEXPECTED |\nNotes:\n") is None


def test_the_report_is_said_only_once_its_table_is_complete(tmp_path):
    """Workers' output arrives line by line: a half-read table must not be rephrased."""
    notes = []
    capture = OutputCapture(tmp_path / "run.log", note=notes.append, descriptors=False)
    with capture:
        for line in LOAD_REPORT.splitlines(keepends=True):
            capture.write(line)
    assert len(notes) == 1 and "classifier.bias, classifier.weight" in notes[0]


def test_a_workers_console_lines_are_marked_whole():
    class Sink(list):
        def write(self, text):
            self.append(text)

        def flush(self):
            pass

    sink = Sink()
    stream = MarkedStream(sink)
    stream.write("step 1/4 ")
    stream.write("loss 0.5\nstep 2/4\n")
    assert sink == [CONSOLE_MARK + "step 1/4 loss 0.5\n", CONSOLE_MARK + "step 2/4\n"]


def test_a_library_that_adds_its_own_handler_during_the_capture_is_logged_once(tmp_path):
    logger = logging.getLogger("deepspeed.test_capture")
    root = logging.getLogger("deepspeed")
    with OutputCapture(tmp_path / "run.log", descriptors=False):
        own = logging.StreamHandler(sys.stderr)  # what a library does on import
        root.addHandler(own)
        try:
            logger.warning("said once")
        finally:
            root.removeHandler(own)
    assert (tmp_path / "run.log").read_text().count("said once") == 1


def test_a_handler_made_during_the_capture_may_close_its_stream_later(tmp_path, capfd):
    """Some libraries' handlers close their stream at interpreter exit, long after the capture."""
    with OutputCapture(tmp_path / "run.log", descriptors=False):
        handler = logging.StreamHandler(sys.stderr)
    handler.stream.write("after the capture\n")
    handler.close()
    handler.stream.close()
    assert "after the capture" in capfd.readouterr().err


def test_a_handler_shared_by_two_library_loggers_gets_its_stream_back(tmp_path):
    import io

    own = io.StringIO()
    shared = logging.StreamHandler(own)
    loggers = [logging.getLogger("datasets"), logging.getLogger("transformers")]
    for logger in loggers:
        logger.addHandler(shared)
    try:
        with OutputCapture(tmp_path / "run.log", descriptors=False):
            assert shared.stream is not own
        assert shared.stream is own
    finally:
        for logger in loggers:
            logger.removeHandler(shared)


def test_a_library_handler_installed_during_the_capture_keeps_its_propagation(tmp_path):
    logger = logging.getLogger("huggingface_hub")
    earlier, earlier_propagate = list(logger.handlers), logger.propagate  # other tests may have used the library
    for handler in earlier:
        logger.removeHandler(handler)
    logger.propagate = True
    own = logging.StreamHandler(sys.stderr)
    try:
        with OutputCapture(tmp_path / "run.log", descriptors=False):
            logger.addHandler(own)  # what transformers does on first use, with propagate off
            logger.propagate = False
        assert logger.handlers == [own] and logger.propagate is False
    finally:
        logger.removeHandler(own)
        for handler in earlier:
            logger.addHandler(handler)
        logger.propagate = earlier_propagate
