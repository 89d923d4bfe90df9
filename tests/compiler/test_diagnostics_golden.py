"""Golden files of the printed diagnostics: one recipe per kind of mistake, run through ``ftcore check``.

Each case writes its files into a temporary folder, runs ``ftcore.cli.main(["check", ...])`` from
there (so paths in messages are relative and stable) and compares what is printed with
``tests/golden/<case>.txt``. Rewrite the golden files after a deliberate change with::

    FTCORE_UPDATE_GOLDEN=1 python -m pytest tests/compiler/test_diagnostics_golden.py

and read the diff: every message must say what is wrong, where, and how to fix it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ftcore.compiler.pipeline as pipeline
from ftcore.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("FTCORE_UPDATE_GOLDEN", "") not in ("", "0")

OK_HEAD = 'recipe "golden" { seed 1 }\n'

# case name -> (files, extra command-line arguments, expected exit status); "recipe.ftr" is checked.
CASES = {
    # ---- syntax
    "syntax_unexpected_token": ({"recipe.ftr": OK_HEAD + "train {\n  epochs 3\n  batch\n}\n"}, [], 2),
    "syntax_unterminated_string": ({"recipe.ftr": 'recipe "golden {\n  seed 1\n}\n'}, [], 2),
    "syntax_single_quotes": ({"recipe.ftr": "recipe 'golden' { seed 1 }\n"}, [], 2),
    "syntax_equals_in_attribute": ({"recipe.ftr": OK_HEAD + "train {\n  epochs = 3\n}\n"}, [], 2),
    "syntax_colon_after_attribute": ({"recipe.ftr": OK_HEAD + "train {\n  batch: 16\n}\n"}, [], 2),
    "syntax_unclosed_block": ({"recipe.ftr": OK_HEAD + "train {\n  epochs 3\n  batch 16\n"}, [], 2),
    "syntax_unexpected_character": ({"recipe.ftr": OK_HEAD + "train { epochs 3 @ }\n"}, [], 2),
    "syntax_split_without_colons": ({"recipe.ftr": OK_HEAD + 'data tickets {\n  source jsonl("t.jsonl")\n'
                                                             "  split train 80%, eval 20%\n}\n"}, [], 2),
    "syntax_extra_brace": ({"recipe.ftr": OK_HEAD + "train { epochs 3 }\n}\n"}, [], 2),
    "syntax_several_errors": ({"recipe.ftr": "recipe 'golden' { seed 1 }\ntrain {\n  epochs = 3\n}\n"}, [], 2),
    # ---- names
    "unknown_block": ({"recipe.ftr": OK_HEAD + "trian {\n  epochs 3\n}\n"}, [], 2),
    "unknown_attribute": ({"recipe.ftr": OK_HEAD + "train {\n  epoch 3\n}\n"}, [], 2),
    "unknown_component": ({"recipe.ftr": OK_HEAD + 'data tickets {\n  source jsnl("t.jsonl")\n}\n'}, [], 2),
    "unknown_metric": ({"recipe.ftr": OK_HEAD + 'data tickets { source jsonl("t.jsonl") }\n'
                                                "model { base \"m\" task causal_lm }\n"
                                                "evaluate tickets.test { metrics loss, rogue }\n"
                                                "train { epochs 1 }\n"}, [], 2),
    "unknown_argument": ({"recipe.ftr": OK_HEAD + "train {\n  optimizer adamw(rl: 1e-4)\n}\n"}, [], 2),
    "unknown_nested_block": ({"recipe.ftr": OK_HEAD + "train {\n  regularise { dropout 0.1 }\n}\n"}, [], 2),
    # ---- values
    "wrong_type": ({"recipe.ftr": 'recipe "golden" { seed "42" }\ntrain {\n  epochs 2.5\n  batch 10%\n'
                                  "  optimizer 3\n}\nmodel { base \"m\" task classificaton }\n"}, [], 2),
    "out_of_range": ({"recipe.ftr": 'recipe "golden" { seed -1 }\ntrain {\n  epochs 0\n  warmup 150%\n'
                                    "  optimizer adamw(lr: 0)\n}\n"}, [], 2),
    "too_many_arguments": ({"recipe.ftr": OK_HEAD + 'data tickets {\n  source jsonl("a", true, 3)\n}\n'
                                                    "train { epochs 1, 2 }\n"}, [], 2),
    # ---- missing things
    "missing_attribute": ({"recipe.ftr": OK_HEAD + 'data tickets {\n  clean drop_empty("text")\n}\n'}, [], 2),
    "missing_argument": ({"recipe.ftr": OK_HEAD + "data tickets {\n  source jsonl()\n}\n"
                                                  "train { regularize { early_stop(on: eval.loss) } }\n"}, [], 2),
    "missing_label": ({"recipe.ftr": OK_HEAD + 'data {\n  source jsonl("t.jsonl")\n}\n'
                                               "evaluate { metrics loss }\n"
                                               "train { epochs 1 }\n"}, [], 2),
    # ---- twice
    "duplicate_attribute": ({"recipe.ftr": OK_HEAD + "train {\n  epochs 3\n  batch 8\n  epochs 4\n}\n"}, [], 2),
    "duplicate_argument": ({"recipe.ftr": OK_HEAD + "train { optimizer adamw(1e-4, lr: 2e-4) }\n"}, [], 2),
    "block_twice": ({"recipe.ftr": OK_HEAD + "train { epochs 1 }\n\ntrain { epochs 2 }\n"}, [], 2),
    "nested_block_twice": ({"recipe.ftr": OK_HEAD + "train {\n  regularize { dropout 0.1 }\n"
                                                    "  regularize { dropout 0.2 }\n}\n"}, [], 2),
    "duplicate_labels": ({"recipe.ftr": OK_HEAD + 'data tickets { source jsonl("a.jsonl") }\n'
                                                  'data tickets { source jsonl("b.jsonl") }\n'}, [], 2),
    "duplicate_let": ({"recipe.ftr": "let lr = 1e-4\nlet lr = 2e-4\n" + OK_HEAD
                       + "train { optimizer adamw(lr: lr) }\n"}, [], 2),
    # ---- cross-block rules
    "evaluate_unknown_data_and_split": ({"recipe.ftr": OK_HEAD + 'data tickets { source jsonl("t.jsonl") }\n'
                                                                 "evaluate tikets.test { metrics loss }\n"
                                                                 "evaluate tickets.tset { metrics loss }\n"
                                                                 "evaluate tickets { metrics loss }\n"
                                                                 "train { epochs 1 }\n"}, [], 2),
    "metric_does_not_fit_task": ({"recipe.ftr": OK_HEAD + 'data tickets { source jsonl("t.jsonl") }\n'
                                                          'model {\n  base "tiny-gpt"\n  task causal_lm\n}\n'
                                                          'evaluate tickets.test {\n'
                                                          '  metrics perplexity, accuracy, f1(average: "macro")\n}\n'
                                                          'train { epochs 1 }\n'},
                                 [], 2),
    "sampling_settings_without_sampling": ({"recipe.ftr": OK_HEAD + 'data tickets { source jsonl("t.jsonl") }\n'
                                                     'model {\n  base "tiny-gpt"\n  task causal_lm\n}\n'
                                                     'evaluate tickets.test {\n  metrics perplexity\n'
                                                     '  generation(temperature: 0.7, top_p: 0.9)\n}\n'
                                                     'train { epochs 1 }\n'}, [], 2),
    "evaluate_without_train": ({"recipe.ftr": OK_HEAD + 'data tickets { source jsonl("t.jsonl") }\n'
                                                        "evaluate tickets.test { metrics loss }\n"}, [], 2),
    "recipe_name_not_a_folder": ({"recipe.ftr": 'recipe "a/b" { seed 1 }\n'}, [], 2),
    # ---- imports
    "error_in_imported_file": ({"recipe.ftr": 'import "base/common.ftr"\n' + OK_HEAD + "train { batch 8 }\n",
                                "base/common.ftr": "# shared settings\ntrain {\n  epochs \"3\"\n}\n"}, [], 2),
    "syntax_error_in_imported_file": ({"recipe.ftr": 'import "common.ftr"\n' + OK_HEAD,
                                       "common.ftr": "train {\n  epochs 3,\n}\n"}, [], 2),
    "import_cycle": ({"recipe.ftr": 'import "a.ftr"\n' + OK_HEAD, "a.ftr": 'import "b.ftr"\n',
                      "b.ftr": 'import "a.ftr"\ntrain { epochs 1 }\n'}, [], 2),
    "import_missing_file": ({"recipe.ftr": 'import "base.ftr"\n' + OK_HEAD}, [], 2),
    "import_not_a_recipe_file": ({"recipe.ftr": 'import "/proc/self/environ"\nimport "secrets.txt"\n' + OK_HEAD,
                                  "secrets.txt": "HF_TOKEN=hf_secret\n"}, [], 2),
    "import_outside_the_recipe_folder": ({"recipe.ftr": 'import "../shared/base.ftr"\n' + OK_HEAD}, [], 2),
    "import_binary_file": ({"recipe.ftr": 'import "blob.ftr"\n' + OK_HEAD,
                            "blob.ftr": "\0\1\2HF_TOKEN=hf_secret\n"}, [], 2),
    "number_too_large": ({"recipe.ftr": OK_HEAD + "train {\n  optimizer adamw(lr: 1e309)\n  epochs "
                          + "1" * 5000 + "\n  warmup 1e400\n}\n"}, [], 2),
    "nesting_too_deep": ({"recipe.ftr": OK_HEAD + "train { optimizer adamw(betas: " + "[" * 10000 + "]" * 10000
                          + ") }\n"}, [], 2),
    "empty_recipe": ({"recipe.ftr": "# nothing here yet\n"}, [], 2),
    "set_trailing_text": ({"recipe.ftr": OK_HEAD + "train { epochs 1 }\n"},
                          ["--set", 'train.batch=8 } recipe "x" { seed 2', "--set", "train.epochs=2\nimport \"a.ftr\""],
                          2),
    "long_source_line_is_cut": ({"recipe.ftr": OK_HEAD + "train {  # " + "x" * 3000 + '\n  batch "' + "z" * 5000
                                 + '"  epoch 3\n}\n'}, [], 2),
    # ---- --set
    "set_bad_syntax": ({"recipe.ftr": OK_HEAD + "train { epochs 1 }\n"},
                       ["--set", "train.epochs", "--set", "epochs=3", "--set", "train.batch=[1,"], 2),
    "set_unknown_block": ({"recipe.ftr": OK_HEAD + "train { epochs 1 }\n"}, ["--set", "trian.epochs=2"], 2),
    "set_unknown_attribute": ({"recipe.ftr": OK_HEAD + "train { epochs 1 }\n"}, ["--set", "train.epoch=2"], 2),
    "set_bad_value": ({"recipe.ftr": OK_HEAD + "train { epochs 1 }\n"},
                      ["--set", 'train.batch="big"', "--set", "recipe.seed=-5"], 2),
    "set_ambiguous_block": ({"recipe.ftr": OK_HEAD + 'data a { source jsonl("a") }\ndata b { source jsonl("b") }\n'},
                            ["--set", 'data.source=jsonl("c")'], 2),
    # ---- warnings (exit 0)
    "unused_let": ({"recipe.ftr": "let max_len = 128\nlet lr = 1e-4\n" + OK_HEAD
                    + "train { optimizer adamw(lr: lr) }\n"}, [], 0),
}


# The real built-in plugins' rules (data, model, train): checked with every installed plugin loaded.
# case name -> (files, extra command-line arguments, expected exit status), as in CASES.
DATA_ROWS = '{"text": "refund please", "label": "billing"}\n'
CLS_FORMAT = '  format classification(text: "text", label: "label")\n'
TINY_BERT = 'model {\n  base tiny(arch: "bert")\n  task classification\n}\n'


def data_block(label: str, split: str, extra: str = CLS_FORMAT) -> str:
    return f'data {label} {{\n  source jsonl("t.jsonl")\n  split {split}\n{extra}}}\n'


def train_recipe(train: str, regularize: str = "", data_split: str = "train: 80%, eval: 20%") -> str:
    return (OK_HEAD + data_block("d", data_split) + TINY_BERT + (f"regularize {{\n{regularize}}}\n" if regularize else "")
            + f"train {{\n{train}}}\n")


BUILTIN_PLUGINS = ["recipe", "metrics", "export", "data", "hf", "train"]

PLUGIN_CASES = {
    "plugin_data_split_shares": ({"t.jsonl": DATA_ROWS, "recipe.ftr": OK_HEAD
                                  + data_block("over", "train: 80%, eval: 30%")
                                  + data_block("mixed", "train: 80%, eval: 50")
                                  + data_block("none_left", "eval: 60%, test: 40%")
                                  + data_block("hashed", 'eval: 10%, stratify: "label", by: hash("text")')
                                  + TINY_BERT}, [], 2),
    "plugin_data_format_rules": ({"t.jsonl": DATA_ROWS, "recipe.ftr": OK_HEAD
                                  + data_block("d", "eval: 10%", CLS_FORMAT + "  pack true\n")
                                  + data_block("lm", "eval: 10%", '  format text(field: "text")\n')
                                  + TINY_BERT}, [], 2),
    "plugin_model_tiny_arch": ({"t.jsonl": DATA_ROWS, "recipe.ftr": OK_HEAD + data_block("d", "eval: 10%")
                                + 'model {\n  base tiny(arch: "t5", hidden: 30, heads: 4)\n  task classification\n}\n'},
                               [], 2),
    "plugin_train_deepspeed_conflicts": ({"t.jsonl": DATA_ROWS, "recipe.ftr": train_recipe(
        '  batch 4\n  accumulate 2\n  optimizer adamw(lr: 1e-4)\n'
        '  deepspeed_extra "train_micro_batch_size_per_gpu=8", "bf16.enabled=true", "gradient_clipping=2.0",\n'
        '                  "optimizer.params.lr=0.01", "scheduler.type=WarmupLR", "zero_optimization.stage=2",\n'
        '                  "zero_optimisation.stage=2"\n', "  clip 1.0\n")}, [], 2),
    "plugin_train_offload_rules": ({"t.jsonl": DATA_ROWS, "recipe.ftr": train_recipe(
        '  engine deepspeed(zero: 2, offload: "parameters")\n')}, [], 2),
    "plugin_train_offload_optimizer_at_zero_0": ({"t.jsonl": DATA_ROWS, "recipe.ftr": train_recipe(
        '  engine deepspeed(zero: 0, offload: "optimizer")\n')}, [], 2),
    "plugin_train_early_stop_and_warmup": ({"t.jsonl": DATA_ROWS, "recipe.ftr": train_recipe(
        "  max_steps 10\n  schedule linear(warmup: 10)\n  eval_every 5\n",
        "  early_stop(patience: 2, on: test.loss)\n", data_split="train: 80%, test: 20%")}, [], 2),
    "plugin_train_needs_an_eval_split": ({"t.jsonl": DATA_ROWS, "recipe.ftr": train_recipe(
        "  eval_every 5\n", "  early_stop(patience: 2, on: eval.loss)\n", data_split="train: 80%, test: 20%")}, [], 2),
}


@pytest.fixture
def run_check(tmp_path, monkeypatch, fake_host, capsys):
    """Write ``files`` into a fresh folder and run ``ftcore check recipe.ftr`` there."""

    def run(files: dict[str, str], extra: list[str]) -> tuple[int, str]:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(pipeline, "load_host", lambda *a, **k: fake_host)
        status = main(["check", "recipe.ftr", *extra])
        out = capsys.readouterr()
        return status, out.err

    return run


def compare_with_golden(case: str, printed: str) -> None:
    """Compare with tests/golden/<case>.txt (write it when missing or with FTCORE_UPDATE_GOLDEN=1)."""
    golden = GOLDEN / f"{case}.txt"
    if UPDATE or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(printed, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote the missing golden file {golden.name}: check it by eye and commit it")
    assert printed == golden.read_text(encoding="utf-8"), f"differs from {golden.name}; " \
        "after a deliberate change rerun with FTCORE_UPDATE_GOLDEN=1"


@pytest.mark.parametrize("case", sorted(CASES))
def test_diagnostics_match_golden_file(case, run_check):
    files, extra, expected_status = CASES[case]
    status, printed = run_check(files, extra)
    assert "Traceback" not in printed and "internal error" not in printed, printed
    assert status == expected_status, printed
    compare_with_golden(case, printed)


@pytest.fixture
def run_check_with_plugins(tmp_path, monkeypatch, capsys):
    """Like ``run_check``, with ftcore's built-in plugins (the real data, model and train rules) and no others,
    so that a third-party plugin installed here (another format, say) does not change the messages."""
    from ftcore.plugins.manager import load_host

    host = load_host(only=BUILTIN_PLUGINS)

    def run(files: dict[str, str], extra: list[str]) -> tuple[int, str]:
        for name, text in files.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(pipeline, "load_host", lambda *a, **k: host)
        status = main(["check", "recipe.ftr", *extra])
        return status, capsys.readouterr().err

    return run


@pytest.mark.parametrize("case", sorted(PLUGIN_CASES))
def test_plugin_rule_diagnostics_match_golden_file(case, run_check_with_plugins):
    files, extra, expected_status = PLUGIN_CASES[case]
    status, printed = run_check_with_plugins(files, extra)
    assert "Traceback" not in printed and "internal error" not in printed, printed
    assert status == expected_status, printed
    compare_with_golden(case, printed)


def test_every_golden_file_has_a_case():
    stale = sorted(p.stem for p in GOLDEN.glob("*.txt") if p.stem not in CASES and p.stem not in PLUGIN_CASES)
    assert not stale, f"golden files without a case (delete them): {stale}"


def test_every_error_is_reported_at_once(run_check):
    files = {"recipe.ftr": 'recipe "golden" { seed -1 }\ntrian { epochs 1 }\ntrain { epochs 0 batch "x" }\n'
                           "evaluate nowhere.test { metrics rogue }\n"}
    status, printed = run_check(files, [])
    assert status == 2
    assert printed.count("error:") == 6, printed
    assert printed.rstrip().endswith("6 errors found")
