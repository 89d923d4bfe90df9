"""Imports reach only recipe files in the recipe's folder or the search path; special files are never read."""

from __future__ import annotations

import os
import threading

import pytest

from ftcore.lang.recipe_files import MAX_RECIPE_BYTES, SEARCH_PATH_ENV
from ftcore.lang.resolve import resolve_file

OK = 'recipe "r" { seed 1 }\n'


def errors(path):
    _, diags = resolve_file(path)
    return [(d.message, d.hint) for d in diags.errors]


def test_a_recipe_in_a_subfolder_and_one_on_the_search_path_can_be_imported(tmp_path, monkeypatch):
    (tmp_path / "proj" / "common").mkdir(parents=True)
    (tmp_path / "shared").mkdir()
    (tmp_path / "proj" / "common" / "a.ftr").write_text("train { epochs 1 }\n")
    (tmp_path / "shared" / "b.ftr").write_text("train { batch 2 }\n")
    main = tmp_path / "proj" / "r.ftr"
    main.write_text('import "common/a.ftr"\nimport "../shared/b.ftr"\n' + OK)
    assert errors(main) == [(
        'cannot import "' + os.path.normpath(tmp_path / "proj" / "../shared/b.ftr") + '": imports must stay inside '
        "the recipe's folder", "move it into the recipe's folder (or a folder under it), or add its folder to "
        "FTCORE_RECIPE_PATH")]
    monkeypatch.setenv(SEARCH_PATH_ENV, str(tmp_path / "shared"))
    assert errors(main) == []


def test_a_link_cannot_lead_out_of_the_recipe_folder(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "outside.ftr").write_text("train { epochs 1 }\n")
    (tmp_path / "proj" / "in.ftr").symlink_to(tmp_path / "outside.ftr")
    main = tmp_path / "proj" / "r.ftr"
    main.write_text('import "in.ftr"\n' + OK)
    assert "imports must stay inside the recipe's folder" in errors(main)[0][0]


def test_a_link_to_a_device_is_refused_unread(tmp_path):
    (tmp_path / "zero.ftr").symlink_to("/dev/zero")
    main = tmp_path / "r.ftr"
    main.write_text('import "zero.ftr"\n' + OK)
    assert "imports must stay inside" in errors(main)[0][0]


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.ftr")
    main = tmp_path / "r.ftr"
    main.write_text('import "pipe.ftr"\n' + OK)
    result = []
    worker = threading.Thread(target=lambda: result.append(errors(main)), daemon=True)
    worker.start()
    worker.join(10)
    assert result, "reading the pipe blocked"
    assert result[0][0][0].endswith("pipe.ftr is not a regular file (a device, pipe or socket); it was not read")


def test_the_main_recipe_may_not_be_a_device_or_huge(tmp_path):
    assert errors("/dev/zero")[0][0] == "/dev/zero is not a regular file (a device, pipe or socket); it was not read"
    big = tmp_path / "big.ftr"
    big.write_text("#" * (MAX_RECIPE_BYTES + 1))
    assert f"a recipe has at most {MAX_RECIPE_BYTES} (1 MiB)" in errors(big)[0][0]


def test_no_error_quotes_a_refused_file(tmp_path):
    from ftcore.lang.diagnostics import render_all

    (tmp_path / "blob.ftr").write_bytes(b"\0SECRET_TOKEN=abc\ntrain { epochs 1 }\n")
    main = tmp_path / "r.ftr"
    main.write_text('import "blob.ftr"\nimport "/proc/self/environ"\n' + OK)
    resolved, diags = resolve_file(main)
    text = render_all(diags.errors, resolved.sources)
    assert "SECRET_TOKEN" not in text and text.count("error:") == 2
