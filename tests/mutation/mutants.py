"""The mutation cases: small deliberate bugs in the code behind the headline claims, and the tests that catch them.

Each :class:`Mutant` replaces snippets of source (each must occur exactly once in its file) and
names the tests that must fail with the mutant in place. :mod:`runner` applies a mutant to a copy
of the repository, never to the working tree. When the code changes so that a snippet is gone,
``tests/mutation/test_registry.py`` fails in the default suite: update the snippet to the new code
(keeping the same bug), not the test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (present exactly once in ``path``, relative to the repository root) by ``new``."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Mutant:
    """A named bug: its edits, the claim it breaks, and the test node ids that must fail."""

    name: str
    claim: str
    edits: tuple[Edit, ...]
    tests: tuple[str, ...]


LOOP = "plugins/ftcore_train/loop.py"
TRAIN_LOOP_TESTS = "tests/plugins/ftcore_train/test_train_loop.py"
FORMATS_TESTS = "tests/plugins/ftcore_data/test_data_formats.py"
RESUME_TESTS = "tests/runtime/test_resume_cli.py"
GOLDEN_TESTS = "tests/compiler/test_diagnostics_golden.py"

MUTANTS: tuple[Mutant, ...] = (
    # ---- training loop
    Mutant(
        "early_stop_restores_no_weights",
        "early stopping restores the best checkpoint's weights (not just its name in the summary)",
        (Edit(LOOP, "checkpoints.load(self.engine, best, self.rank, module_only=True)",
              "None  # mutant: the best weights are never loaded"),),
        (f"{TRAIN_LOOP_TESTS}::test_early_stopping_stops_and_restores_the_best_checkpoint",),
    ),
    Mutant(
        "optimizer_steps_every_micro_batch",
        "gradient accumulation 4 x 2 equals a batch of 8",
        (Edit(LOOP, "            self.engine.step()\n",
              "            self.engine.step()\n"
              "            if len(batches) > 1:  # mutant: the optimizer also steps on every micro-batch\n"
              "                self.engine.optimizer.step()\n"),),
        (f"{TRAIN_LOOP_TESTS}::test_gradient_accumulation_equals_the_larger_batch",),
    ),
    Mutant(
        "bf16_silently_dropped",
        "bf16 trains in bf16: the parameters the forward pass uses are bf16 at every step",
        (Edit(LOOP, '        if s.precision == "bf16":\n            model = model.to(torch.bfloat16)',
              '        config["bf16"] = {"enabled": False}  # mutant: fp32 although the recipe says bf16\n'
              '        if False:\n            model = model.to(torch.bfloat16)'),),
        (f"{TRAIN_LOOP_TESTS}::test_bf16_trains_on_cpu_under_zero_2",),
    ),
    Mutant(
        "step_hook_gets_a_wrong_loss",
        "ftcore_train_step_end receives the step's loss as logged",
        (Edit(LOOP, 'metrics={"loss": loss, "lr": lr}, run_dir=self.run_dir)',
              'metrics={"loss": round(loss, 2), "lr": lr}, run_dir=self.run_dir)  # mutant'),),
        (f"{TRAIN_LOOP_TESTS}::test_run_time_hooks_fire",),
    ),
    Mutant(
        "plugin_engine_ignored",
        "the first non-None result of ftcore_build_engine is the engine that trains",
        (Edit(LOOP, "        if engine is None:\n            from ftcore_train.engine import build_engine",
              "        if True:  # mutant: the plugin's engine is thrown away\n"
              "            from ftcore_train.engine import build_engine"),),
        (f"{TRAIN_LOOP_TESTS}::test_a_plugin_engine_from_ftcore_build_engine_is_the_one_that_trains",),
    ),
    # ---- packing
    Mutant(
        "packing_first_label_kept",
        "a packed sample's first label is -100: its first token is never predicted from the previous sample",
        (Edit("plugins/ftcore_data/packing.py", "cur_labels = cur_labels + [IGNORE] + list(labels[1:])",
              "cur_labels = cur_labels + list(labels)  # mutant"),),
        (f"{FORMATS_TESTS}::test_packing_masks_each_samples_first_label_and_restarts_positions",
         f"{FORMATS_TESTS}::test_packed_samples_have_the_loss_they_have_alone"),
    ),
    Mutant(
        "packed_positions_run_on",
        "position ids restart at 0 for each packed sample (a model with absolute positions sees the difference)",
        (Edit("plugins/ftcore_data/collate.py", "positions[b, start:start + n] = torch.arange(n)",
              "positions[b, start:start + n] = torch.arange(start, start + n)  # mutant"),),
        (f"{FORMATS_TESTS}::test_packed_samples_have_the_loss_they_have_alone",),
    ),
    Mutant(
        "packed_attention_crosses_samples",
        "attention in a packed row stays within each sample",
        (Edit("plugins/ftcore_data/collate.py", "allowed[b, 0, start:start + n, start:start + n] = causal[:n, :n]",
              "allowed[b, 0, start:start + n, :start + n] = causal[start:start + n, :start + n]  # mutant"),),
        (f"{FORMATS_TESTS}::test_packed_samples_have_the_loss_they_have_alone",),
    ),
    Mutant(
        "training_ignores_packing",
        "training on packed rows feeds the model restarting positions and the block-diagonal mask",
        (Edit("plugins/ftcore_train/batching.py", "return collator_for(info, tokenizer, dtype, seq_lens)",
              'return collator_for({**info, "packing": False}, tokenizer, dtype, seq_lens)  # mutant'),),
        ("tests/runtime/test_run_e2e.py::test_causal_lm_trains_on_packed_rows",),
    ),
    # ---- ZeRO agreement
    Mutant(
        "run_drops_set_overrides",
        "the ZeRO agreement tests compare the stages they name, not a run with itself",
        (Edit("ftcore/runtime/run.py", "compile_recipe(recipe_path, list(overrides), host=host)",
              "compile_recipe(recipe_path, [], host=host)  # mutant: --set is ignored"),),
        ("tests/runtime/test_run_e2e.py::test_zero_stages_agree_in_one_process",),
    ),
    # ---- resume checks and checkpoints
    Mutant(
        "resume_accepts_a_changed_recipe",
        "ftcore run --resume refuses a recipe changed since the run started",
        (Edit("ftcore/runtime/run.py", "check_resume(run_dir, manifest, allow_changes=allow_changes,",
              "check_resume(run_dir, manifest, allow_changes=True,  # mutant"),),
        ("tests/runtime/test_resume_e2e.py::test_a_changed_batch_or_cut_data_refuses_and_leaves_the_manifest",),
    ),
    Mutant(
        "worker_skips_the_fingerprint_check",
        "a worker refuses a recipe changed since the run started",
        (Edit("ftcore/runtime/worker.py", "        if changed:\n", "        if False:  # mutant\n"),),
        (f"{RESUME_TESTS}::test_worker_refuses_a_recipe_changed_since_the_run_started",),
    ),
    Mutant(
        "half_written_checkpoint_resumed",
        "a checkpoint still under its temporary name is never resumed",
        (Edit("plugins/ftcore_train/checkpoints.py", 'NAME = re.compile(r"^step-(\\d{7,})$")',
              'NAME = re.compile(r"^(?:\\.tmp-)?step-(\\d{7,})$")  # mutant'),),
        (f"{RESUME_TESTS}::test_resume_ignores_a_half_written_checkpoint",),
    ),
    # ---- the real plugins' rule messages
    Mutant(
        "split_shares_over_100_percent_accepted",
        "split shares that do not add up to 100% are reported",
        (Edit("plugins/ftcore_data/rules.py", 'if "train" in portions and abs(total - 1.0) > 1e-9:',
              'if "train" in portions and abs(total - 1.0) > 0.2:  # mutant'),),
        (f"{GOLDEN_TESTS}::test_plugin_rule_diagnostics_match_golden_file[plugin_data_split_shares]",),
    ),
    Mutant(
        "offload_parameters_allowed_below_zero_3",
        "offloading parameters without ZeRO 3 is reported",
        (Edit("plugins/ftcore_train/dsconfig.py", 'if par_dev != "none" and stage != 3:',
              'if par_dev != "none" and stage < 2:  # mutant'),),
        (f"{GOLDEN_TESTS}::test_plugin_rule_diagnostics_match_golden_file[plugin_train_offload_rules]",),
    ),
    # ---- hooks
    Mutant(
        "stage_end_hook_never_fires",
        "every hook is called when a recipe runs (by calls, not by a hook's name appearing in a test's text)",
        (Edit("ftcore/runtime/executor.py",
              'self._fire("ftcore_stage_end", stage=stage, ctx=ctx, outputs=outputs, cached=cached)',
              "None  # mutant: ftcore_stage_end is never called"),),
        ("tests/runtime/test_every_hook_is_called.py",),
    ),
    # ---- formats, formatter
    Mutant(
        "seq2seq_target_cut_at_the_source_limit",
        "seq2seq labels are the target's token ids, cut at max_target_length",
        (Edit("plugins/ftcore_data/formats.py", "return Encoded(src[:max_length], tgt[:target_max], len(src), long)",
              "return Encoded(src[:max_length], tgt[:max_length], len(src), long)  # mutant"),),
        (f"{FORMATS_TESTS}::test_text_and_classification_and_seq2seq",),
    ),
    Mutant(
        "compile_ignores_the_formatted_text",
        "the fmt round trip compiles the formatted text, not the file on disk",
        (Edit("ftcore/lang/resolve.py", "text = unsaved[str(path.resolve())] if unsaved and str(path.resolve()) in unsaved else",
              "text = unsaved[str(path.resolve())] if False else"),),  # the text given is never read
        ("tests/lang/test_fmt.py::test_a_mangled_layout_formats_back_to_the_canonical_recipe",),
    ),
    Mutant(
        "lora_dropped_instead_of_merged",
        "the exported model holds the LoRA updates merged into the base weights",
        (Edit("plugins/ftcore_hf/adapters.py", "return model.merge_and_unload()",
              "return model.unload()  # mutant: the adapter is removed, not merged"),),
        ("tests/runtime/test_run_e2e.py::test_causal_lm_full_and_lora",),
    ),
    # ---- warm preparation
    Mutant(
        "cached_outputs_read_eagerly",
        "a fully cached ftcore prepare reads the stage reports only, importing no ML library",
        (Edit("ftcore/runtime/outputs.py", "        self._values: dict[str, Any] = {}\n",
              "        self._values: dict[str, Any] = {k: f() for k, f in self._loaders.items()}  # mutant\n"),),
        ("tests/runtime/test_prepare_warm.py::test_a_fully_cached_prepare_imports_no_ml_library_and_prints_the_same",),
    ),
    Mutant(
        "warm_prepare_imports_torch",
        "a fully cached ftcore prepare does not import torch",
        (Edit("ftcore/runtime/prepare.py", "            outputs = executor.run(targets)\n",
              "            outputs = executor.run(targets)\n            import torch  # noqa: F401  # mutant\n"),),
        ("tests/runtime/test_prepare_warm.py::test_a_fully_cached_prepare_imports_no_ml_library_and_prints_the_same",),
    ),
    Mutant(
        "stored_examples_ignore_the_tokenizer",
        "the stored decoded examples are used only with the tokenizer they were decoded with",
        (Edit("ftcore/runtime/prepare_examples.py", "    parts = [tokenize_fingerprint, tokenizer_fingerprint, count,",
              "    parts = [tokenize_fingerprint, count,  # mutant"),),
        ("tests/runtime/test_prepare_warm.py::test_the_key_follows_each_thing_the_examples_depend_on",),
    ),
    # ---- compile latency: what check no longer recomputes each process must still follow its inputs
    Mutant(
        "parser_tables_for_another_grammar_used",
        "stored parser tables are used only for the grammar they were built from",
        (Edit("ftcore/lang/parser_tables.py", ' or stored.get("grammar") != grammar:', ":  # mutant: any grammar"),),
        ("tests/lang/test_parser_tables.py::test_tables_stored_for_another_grammar_are_not_used",),
    ),
    Mutant(
        "parser_built_every_process",
        "check loads the shipped parser tables instead of building the parser",
        (Edit("ftcore/lang/parser_tables.py", "    shipped = _parser_from(_read_shipped(), grammar)\n",
              "    shipped = None  # mutant: the shipped tables are ignored\n"),),
        ("tests/lang/test_parser_tables.py::test_the_shipped_tables_are_used_without_building",),
    ),
    Mutant(
        "entry_point_snapshot_ignores_metadata_files",
        "plugins installed, upgraded or rewritten in place are seen by the next command",
        (Edit("ftcore/plugins/entry_point_cache.py",
              "            snapshot.append([child, *_stat(meta), *(x for f in _META_FILES for x in _stat(os.path.join(meta, f)))])",
              "            snapshot.append([child, *_stat(meta)])  # mutant"),),
        ("tests/plugins/test_entry_point_cache.py::test_entry_points_rewritten_in_place_are_seen",),
    ),
    Mutant(
        "check_reads_distribution_metadata",
        "check loads no distribution metadata once the installation is known",
        (Edit("ftcore/plugins/manager.py", "    return entry_points(ENTRY_POINT_GROUP)  # sorted by name",
              "    from ftcore.plugins.entry_point_cache import _scan  # mutant\n    return _scan(ENTRY_POINT_GROUP)"),),
        ("tests/test_fast_commands.py::test_check_of_the_largest_recipe_loads_no_metadata_once_the_installation_is_known",),
    ),
    Mutant(
        "module_names_cache_ignores_size",
        "an impl module edited since the last check is read again",
        (Edit("ftcore/plugins/module_names.py", ' and entry["size"] == st.st_size:', ":  # mutant"),),
        ("tests/plugins/test_module_names.py::test_an_edited_module_is_parsed_again",),
    ),
    Mutant(
        "zero3_builds_the_whole_model",
        "under ZeRO 3 no process holds the whole model: it is built partitioned",
        (Edit("plugins/ftcore_train/engine.py", "    if zero_stage(config) != 3:\n        yield False",
              "    if True:  # mutant: every process builds the whole model\n        yield False"),),
        ("tests/plugins/ftcore_train/test_zero3_build.py::test_zero3_builds_the_model_partitioned_and_saves_the_gathered_weights",),
    ),
    Mutant(
        "all_reduce_skipped_with_two_processes",
        "two processes under ZeRO 0 reach the losses of one: the skipped all-reduce is for a lone process only",
        (Edit("plugins/ftcore_train/engine.py", "    if zero_stage(config) == 0 and engine.dp_world_size == 1:",
              "    if zero_stage(config) == 0:  # mutant: skipped whatever the process count"),),
        ("tests/runtime/test_launch.py::test_two_processes_reach_the_losses_of_one[0]",),
    ),
    Mutant(
        "packed_attention_runs_over_the_whole_row",
        "attention computed sample by sample in a packed row stays within each sample",
        (Edit("plugins/ftcore_train/packed_attention.py", "        for n in [int(n) for n in lens] + [None]:",
              "        for n in [sum(int(n) for n in lens)] + [None]:  # mutant: one segment per row"),),
        ("tests/plugins/ftcore_train/test_packed_attention.py::test_sample_by_sample_attention_is_the_masked_attention",),
    ),
)
