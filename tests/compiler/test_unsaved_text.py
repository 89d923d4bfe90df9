"""compile_recipe(unsaved=...) reads an editor's unsaved buffers instead of the files on disk."""

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError

GOOD = 'recipe "saved" { seed 1 }\n'


def test_unsaved_text_replaces_the_file_on_disk(tmp_path):
    path = tmp_path / "r.ftr"
    path.write_text(GOOD)
    recipe, _ = compile_recipe(path, unsaved={str(path.resolve()): 'recipe "edited" { seed 2 }\n'})
    assert recipe.name == "edited"
    assert path.read_text() == GOOD  # nothing written


def test_unsaved_imported_file_is_used_and_its_errors_point_into_it(tmp_path):
    base = tmp_path / "base.ftr"
    base.write_text(GOOD)
    main = tmp_path / "main.ftr"
    main.write_text('import "base.ftr"\n')
    with pytest.raises(RecipeError) as err:
        compile_recipe(main, unsaved={str(base.resolve()): 'recipe "x" { sed 1 }\n'})
    [diag] = err.value.diagnostics
    assert diag.message == 'unknown attribute "sed" in block "recipe"'
    assert diag.span.path.endswith("base.ftr") and (diag.span.line, diag.span.col) == (1, 14)


def test_unsaved_file_need_not_exist_on_disk(tmp_path):
    path = tmp_path / "untitled.ftr"
    recipe, _ = compile_recipe(path, unsaved={str(path.resolve()): GOOD})
    assert recipe.name == "saved"
