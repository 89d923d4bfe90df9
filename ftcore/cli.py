"""The ``ftcore`` command line: one function per subcommand.

Exit status (the table in README.md is the user's reference; a test keeps the two in step): 0
success, 1 ``fmt --check`` found a file to reformat or a ``run``/``prepare`` stage failed, 2 a
mistake in a recipe or on the command line (a hostfile included), 3 plugins in conflict or an
internal error, 4 a node of a ``--hostfile`` run is not ready (pre-flight; nothing ran), 5 a
plugin's code failed, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path
from typing import Callable, Optional, Sequence

EXIT_OK, EXIT_CHANGED, EXIT_RECIPE, EXIT_PLUGIN = 0, 1, 2, 3
EXIT_PLUGIN_FAULT = 5  # a plugin's code failed (PluginError): the message names the plugin


def _color(stream) -> bool:
    return stream.isatty() and os.environ.get("NO_COLOR") is None and os.environ.get("TERM") != "dumb"


def print_diagnostics(err, stream=None) -> None:
    """Print a RecipeError's diagnostics, compiler-style, to standard error."""
    from ftcore.lang.diagnostics import render_all

    stream = stream or sys.stderr
    stream.write(render_all(err.diagnostics, getattr(err, "sources", None), color=_color(stream)) + "\n")


def print_warnings(warnings, sources, stream=None) -> None:
    """Print warning diagnostics (they never change the exit status)."""
    if warnings:
        from ftcore.lang.diagnostics import render_all

        stream = stream or sys.stderr
        stream.write(render_all(warnings, sources, color=_color(stream)) + "\n")


# ---------------------------------------------------------------- subcommands


def cmd_check(args) -> int:
    """Check recipes completely (syntax, names, types, cross-block rules, DeepSpeed plan); run nothing."""
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import RecipeError

    status = EXIT_OK
    for path in args.recipes:
        try:
            recipe, graph = compile_recipe(path, args.set)
        except RecipeError as err:
            print_diagnostics(err)
            status = EXIT_RECIPE
            continue
        print_warnings(recipe.warnings, recipe.sources)
        print(f"ok: {path}: recipe \"{recipe.name}\", {len(graph)} stages")
        for note in getattr(graph, "notes", []):
            print(f"  {note}")
        if args.hostfile:
            status = max(status, _check_hostfile(args, path, graph))
    return status


def _check_hostfile(args, recipe_path: str, graph) -> int:
    """``check --hostfile``: the pre-flight of a multi-node run (hostfile, ssh, versions, shared folders)."""
    from ftcore.plugins.manager import load_host
    from ftcore.runtime.preflight import check_nodes

    _, status = check_nodes(args.hostfile, graph, load_host(), recipe_path=recipe_path, out=args.out,
                            nproc=args.nproc, launcher=args.launcher, say=lambda m: print(m, file=sys.stderr))
    return status


def cmd_graph(args) -> int:
    """Print the run graph the recipe compiles to: a tree, JSON or Graphviz DOT."""
    import json

    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.compiler.render import render_tree
    from ftcore.lang.diagnostics import RecipeError

    try:
        recipe, graph = compile_recipe(args.recipe, args.set)
    except RecipeError as err:
        print_diagnostics(err)
        return EXIT_RECIPE
    print_warnings(recipe.warnings, recipe.sources)
    from ftcore.runtime.hashing import fingerprint_with_content

    fingerprint_with_content(graph)  # data files' bytes too, so the fingerprints are the ones `ftcore run` uses
    if args.format == "json":
        print(json.dumps(graph.to_json(), indent=2))
    elif args.format == "dot":
        sys.stdout.write(graph.to_dot())
    else:
        sys.stdout.write(render_tree(graph, color=_color(sys.stdout)))
    return EXIT_OK


def cmd_fmt(args) -> int:
    """Rewrite recipes in the canonical layout (``--check``: only report, exit 1 if any would change)."""
    from ftcore.lang.diagnostics import RecipeError, SourceCache
    from ftcore.lang.fmt import format_text

    status = EXIT_OK
    for path in args.files:
        if path == "-":
            text = sys.stdin.read()
            shown = "<stdin>"
        else:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                print(f"{path}: cannot read: {exc}", file=sys.stderr)
                status = EXIT_RECIPE
                continue
            shown = path
        formatted, diagnostics = format_text(text, shown)
        if formatted is None:
            err = RecipeError(diagnostics)
            err.sources = SourceCache()
            err.sources.add(shown, text)
            print_diagnostics(err)
            status = EXIT_RECIPE
            continue
        if path == "-":
            sys.stdout.write(formatted)
            continue
        if formatted == text:
            continue
        if args.check:
            print(f"would reformat {path}")
            if args.diff:
                import difflib

                sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), formatted.splitlines(True),
                                                           path, f"{path} (formatted)"))
            status = max(status, EXIT_CHANGED)
            continue
        _write_atomically(Path(path), formatted)
        print(f"reformatted {path}")
    return status


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.ftcore-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def cmd_plugins(args) -> int:
    """List the loaded plugins, their versions and what each provides."""
    from ftcore.api.version import PLUGIN_API_VERSION
    from ftcore.plugins.manager import load_host

    host = load_host()
    if args.json:
        import json

        out = [{"name": p.name, "module": p.module, "distribution": p.dist, "version": p.version,
                "plugin_api": p.api or None, "provides": host.registry.provided_by(p.name)} for p in host.plugins]
        print(json.dumps({"plugin_api": PLUGIN_API_VERSION, "plugins": out, "refused": host.refused,
                          "disputes": host.registry.disputes, "conflicts": host.registry.conflicts}, indent=2))
        return EXIT_PLUGIN if host.registry.conflicts else EXIT_OK
    print(f"ftcore plugin API {PLUGIN_API_VERSION}")
    for p in host.plugins:
        api = f"plugin API {p.api}" if p.api else "plugin API not declared"
        print(f"{p.name} {p.version}  ({p.dist}: {p.module}; {api})")
        for kind, names in host.registry.provided_by(p.name).items():
            print(textwrap.fill(", ".join(names), width=100, initial_indent=f"    {kind}: ",
                                subsequent_indent=" " * (6 + len(kind))))
    for message in host.refused:
        print(f"refused: {message}")
    for message in host.registry.disputes:
        print(f"conflict: {message}; recipes using it are refused until only one plugin provides it")
    for message in host.registry.conflicts:
        print(f"conflict: {message}", file=sys.stderr)
    return EXIT_PLUGIN if host.registry.conflicts else EXIT_OK


def cmd_describe(args) -> int:
    """Show a block's or a component's parameters, types, defaults and help."""
    from ftcore.plugins.describe import describe
    from ftcore.plugins.manager import load_host

    host = load_host()
    text, found = describe(host.registry, args.name)
    (sys.stdout if found else sys.stderr).write(text + "\n")
    return EXIT_OK if found else EXIT_RECIPE


def cmd_lsp(args) -> int:
    """Run the recipe language server (Language Server Protocol over standard input and output)."""
    from ftcore.lsp.server import serve

    return serve()


def cmd_schema(args) -> int:
    """Print every block, attribute, component and parameter the installed plugins declare."""
    from ftcore.plugins.manager import load_host

    host = load_host()
    if args.format == "text":
        from ftcore.plugins.describe import describe_block, describe_component

        texts = [describe_block(b) for b in host.registry.blocks.values()]
        texts += [describe_component(c) for _, c in sorted(host.registry.components.items())]
        print("\n\n".join(texts))
    else:
        import json

        from ftcore.plugins.schema_json import language_schema

        print(json.dumps(language_schema(host.registry), indent=2, ensure_ascii=False))
    for message in host.registry.conflicts:
        print(f"conflict: {message}", file=sys.stderr)
    return EXIT_PLUGIN if host.registry.conflicts else EXIT_OK


def cmd_new_plugin(args) -> int:
    """Write a ready-to-publish plugin distribution for one component kind (see ftcore.scaffold)."""
    from ftcore.scaffold import ScaffoldError, new_plugin

    try:
        root = new_plugin(args.name, args.kind, Path(args.dir))
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RECIPE
    print(f"wrote {root}")
    print(f"next: cd {root} && pip install -e '.[test]' && python -m pytest -q")
    return EXIT_OK


def cmd_run(args) -> int:
    """Run a recipe: prepare the data, train on DeepSpeed, evaluate and export; print where the run is."""
    from ftcore.runtime.run import run_command

    return run_command(args.recipe, overrides=args.set, out=args.out, resume=args.resume, nproc=args.nproc,
                       hostfile=args.hostfile, console=_run_console(args, stderr=True), verbose=args.verbose,
                       command_line=["ftcore", *args.argv], launcher=args.launcher,
                       launcher_args=args.launcher_args, master_addr=args.master_addr, node_timeout=args.node_timeout,
                       allow_changes=args.allow_changes, cache_dir=args.cache_dir)


def cmd_eval(args) -> int:
    """Evaluate a trained run or model folder on a recipe's evaluate blocks, without training."""
    from ftcore.runtime.evaluate_only import eval_command

    return eval_command(args.recipe, args.model, overrides=args.set, out=args.out,
                        console=_run_console(args, stderr=True), cache_dir=args.cache_dir, verbose=args.verbose,
                        command_line=["ftcore", *args.argv])


def cmd_report(args) -> int:
    """Write a finished run's report.html again from its run directory."""
    from ftcore.runtime.errors import RunError
    from ftcore.runtime.report import rebuild_report

    try:
        path = rebuild_report(args.run_dir)
    except RunError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    print(f"report: {path}")
    return 0


def cmd_predict(args) -> int:
    """Answer inputs with a trained model (a run directory or a model folder); JSON lines on standard output."""
    from ftcore.api import PredictOptions
    from ftcore.runtime.predict import predict_command

    options = PredictOptions(max_new_tokens=args.max_new_tokens, sample=args.sample, temperature=args.temperature,
                             top_p=args.top_p, seed=args.seed, max_length=args.max_length)
    return predict_command(args.model, input_path=args.input, field=args.field, output=args.output, batch=args.batch,
                           options=options)


def cmd_prepare(args) -> int:
    """Run only the data stages (load, validate, clean, split, tokenize) and print what happened to every row."""
    from ftcore.runtime.prepare import prepare_command

    return prepare_command(args.recipe, overrides=args.set, show=args.show, cache_dir=args.cache_dir,
                           console=_run_console(args, stderr=False), verbose=args.verbose)


def _run_console(args, *, stderr: bool):
    """ftcore's console for run/prepare: live and coloured on a terminal, plain lines with ``--plain``."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, force_terminal=False if args.plain else None)


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--plain", action="store_true",
                   help="plain text: no live display, colour or wrapping (the default when output is not a terminal)")
    p.add_argument("--verbose", action="store_true",
                   help="also show other libraries' output (always kept in the log file)")


# ---------------------------------------------------------------- parser


EXAMPLES = {
    "check": """examples:
  ftcore check recipes/quickstart.ftr
  ftcore check recipes/*.ftr
  ftcore check recipe.ftr --set train.batch=16 --set 'train.optimizer=adamw(lr: 1e-4)'""",
    "graph": """examples:
  ftcore graph recipes/quickstart.ftr
  ftcore graph recipes/quickstart.ftr --format json > graph.json
  ftcore graph recipes/quickstart.ftr --format dot | dot -Tsvg > graph.svg""",
    "fmt": """examples:
  ftcore fmt recipe.ftr            rewrite in place
  ftcore fmt --check recipes/*.ftr exit 1 if any file would change (CI)
  ftcore fmt - < recipe.ftr        format standard input to standard output""",
    "plugins": """examples:
  ftcore plugins
  ftcore plugins --json
  FTCORE_DISABLE_PLUGINS=myplugin ftcore plugins""",
    "prepare": """examples:
  ftcore prepare recipes/quickstart.ftr
  ftcore prepare recipe.ftr --show 10
  FTCORE_CACHE_DIR=/scratch/cache ftcore prepare recipe.ftr""",
    "eval": """examples:
  ftcore eval recipes/quickstart.ftr --model runs/support-intents/20260101-120000-ab12
  ftcore eval recipes/quickstart.ftr --model out/support-intents --out runs/eval-export""",
    "predict": """examples:
  ftcore predict runs/support-intents/20260101-120000-ab12 --input tickets.jsonl > answers.jsonl
  echo "my card was charged twice" | ftcore predict out/support-intents
  ftcore predict out/model --input prompts.txt --max-new-tokens 64 --sample --temperature 0.7""",
    "describe": """examples:
  ftcore describe jsonl            a component, by name
  ftcore describe metric:f1        a component, by kind and name
  ftcore describe train            a block and its attributes""",
    "lsp": """examples:
  ftcore lsp                       started by an editor; it speaks LSP on stdin/stdout
  see docs/editors.md for VS Code, Neovim, Emacs (eglot) and Sublime Text""",
    "schema": """examples:
  ftcore schema > ftr-schema.json
  ftcore schema --format text      what every block and component takes, in words""",
    "run": """examples:
  ftcore run recipes/quickstart.ftr
  ftcore run recipe.ftr --out runs/try1 --set train.epochs=1
  ftcore run recipe.ftr --out runs/try1 --resume    continue from the newest complete checkpoint
  ftcore run recipe.ftr --out runs/try1 --resume --allow-changes    continue with changed settings
  ftcore run recipe.ftr --nproc 2                   two processes through DeepSpeed's launcher
  ftcore run recipe.ftr --hostfile hosts.txt        every machine the hostfile lists, checked first (pdsh/ssh)
  ftcore run recipe.ftr --hostfile hosts.txt --launcher slurm    inside a Slurm allocation (docs/multinode.md)""",
}


def _add_launcher(p: argparse.ArgumentParser) -> None:
    p.add_argument("--launcher", choices=("pdsh", "openmpi", "slurm"), default="pdsh",
                   help="with --hostfile: how workers start on the machines (default pdsh, over ssh)")


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", default=[], metavar="BLOCK.ATTR=VALUE",
                   help="override one attribute, e.g. --set train.batch=16 (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    from ftcore import __version__

    parser = argparse.ArgumentParser(
        prog="ftcore",
        description="Fine-tune pre-trained language models from checked, reproducible .ftr recipes.",
        epilog="Run 'ftcore COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"ftcore {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=func.__doc__, epilog=EXAMPLES.get(name),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return p

    p = add("check", cmd_check, "check recipes without running anything")
    p.add_argument("recipes", nargs="+", metavar="RECIPE")
    p.add_argument("--hostfile", metavar="FILE", help="also check the machines of a multi-node run (ssh, versions, "
                   "shared folders)")
    p.add_argument("--nproc", type=int, metavar="N", help="with --hostfile: processes per machine")
    p.add_argument("--out", metavar="DIR", help="with --hostfile: the run directory every machine must share")
    _add_launcher(p)
    _add_set(p)

    p = add("graph", cmd_graph, "print the run graph a recipe compiles to")
    p.add_argument("recipe", metavar="RECIPE")
    p.add_argument("--format", choices=("tree", "json", "dot"), default="tree")
    _add_set(p)

    p = add("fmt", cmd_fmt, "rewrite recipes in the canonical layout")
    p.add_argument("files", nargs="+", metavar="FILE", help="recipe files, or - for standard input")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would be reformatted")
    p.add_argument("--diff", action="store_true", help="with --check, show what would change")

    p = add("plugins", cmd_plugins, "list installed plugins and what they provide")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("run", cmd_run, "train a recipe end to end")
    p.add_argument("recipe", metavar="RECIPE")
    p.add_argument("--out", metavar="DIR", help="the run directory (default runs/<recipe>/<run id>)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its newest checkpoint")
    p.add_argument("--allow-changes", action="store_true", help="with --resume: continue although the recipe, "
                   "its data or the number of processes changed (recorded in the manifest)")
    p.add_argument("--nproc", type=int, metavar="N", help="train in N processes through DeepSpeed's launcher")
    p.add_argument("--hostfile", metavar="FILE", help="train on the machines a DeepSpeed hostfile lists (checked "
                   "first; see docs/multinode.md)")
    p.add_argument("--cache-dir", default=None, metavar="DIR",
                   help="where stage outputs are cached (default: $FTCORE_CACHE_DIR, else .ftcore-cache/ next to the "
                   "recipe); with --hostfile every machine must see it")
    _add_launcher(p)
    p.add_argument("--launcher-args", default="", metavar="ARGS",
                   help="with --hostfile: extra arguments for the launcher, one quoted string")
    p.add_argument("--master-addr", metavar="ADDR", help="with --hostfile: the address other nodes reach the first "
                   "one at (default: its first address from `hostname -I`)")
    p.add_argument("--node-timeout", type=float, default=120.0, metavar="SECONDS",
                   help="end the run when a training process (with --nproc) or node (with --hostfile) shows no sign of "
                        "life this long (default 120)")
    _add_output_options(p)
    _add_set(p)

    p = add("prepare", cmd_prepare, "prepare the data (cached) and print a summary")
    p.add_argument("recipe", metavar="RECIPE")
    p.add_argument("--show", type=int, default=3, metavar="N", help="print N decoded training examples (default 3)")
    p.add_argument("--cache-dir", default=None, metavar="DIR",
                   help="where stage outputs are cached (default: $FTCORE_CACHE_DIR, else .ftcore-cache/ next to the recipe)")
    _add_output_options(p)
    _add_set(p)

    p = add("eval", cmd_eval, "evaluate a trained run or model folder on a recipe's evaluate blocks")
    p.add_argument("recipe", metavar="RECIPE")
    p.add_argument("--model", required=True, metavar="RUN_DIR|MODEL_DIR",
                   help="a run directory (its model/), an export, or a model folder in the Hugging Face layout")
    p.add_argument("--out", metavar="DIR", help="where the results go (default runs/<recipe>/<run id>)")
    p.add_argument("--cache-dir", default=None, metavar="DIR", help="where stage outputs are cached (as for run)")
    _add_output_options(p)
    _add_set(p)

    p = add("report", cmd_report, "write a run's report.html again")
    p.add_argument("run_dir", metavar="RUN_DIR")

    p = add("predict", cmd_predict, "answer new inputs with a trained model, as JSON lines")
    p.add_argument("model", metavar="RUN_DIR|MODEL_DIR", help="a run directory (its model/) or a model folder")
    p.add_argument("--input", metavar="FILE", help="a .jsonl, .csv or .txt file of inputs, or - for standard input "
                   "(the default)")
    p.add_argument("--field", default="text", help="the JSON field or CSV column holding the text (default: text)")
    p.add_argument("--output", metavar="FILE", help="write the JSON lines here instead of standard output")
    p.add_argument("--batch", type=int, default=16, metavar="N", help="inputs per batch (default 16)")
    p.add_argument("--max-new-tokens", type=int, default=128, metavar="N", help="longest generated answer (default 128)")
    p.add_argument("--sample", action="store_true", help="sample answers instead of greedy decoding")
    p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (with --sample)")
    p.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling threshold (with --sample)")
    p.add_argument("--seed", type=int, default=0, help="seed of sampling (with --sample)")
    p.add_argument("--max-length", type=int, default=None, metavar="N", help="cut longer inputs to N tokens")

    p = add("new-plugin", cmd_new_plugin, "write a new plugin distribution, ready to test and publish")
    p.add_argument("name", metavar="NAME", help="the plugin's name; the distribution is called ftcore-NAME")
    p.add_argument("--kind", required=True, choices=("source", "cleaner", "format", "metric", "exporter", "hook",
                                                     "block"), help="what the plugin provides")
    p.add_argument("--dir", default=".", metavar="DIR", help="where to create the folder ftcore-NAME (default: here)")

    p = add("describe", cmd_describe, "show a block's or component's parameters and help")
    p.add_argument("name", metavar="NAME", help="a block (train), a component (jsonl) or kind:name (metric:f1)")
    p = add("lsp", cmd_lsp, "run the recipe language server (for editors)")
    p.add_argument("--stdio", action="store_true", help="talk over standard input and output (the default, and the only transport)")

    p = add("schema", cmd_schema, "print the recipe language the installed plugins define")
    p.add_argument("--format", choices=("json", "text"), default="json", help="json (default) for tools, text for people")
    return parser


# Commands that only read and print: all they write (the user cache) is closed before they return.
READ_ONLY_COMMANDS = frozenset({"check", "graph", "plugins", "describe", "schema"})


def _skip_final_collection() -> None:
    """Spare the interpreter's last garbage collection the objects alive at exit (about 10 ms of a check).

    At exit CPython collects garbage once more, walking every object the plugins, the parser
    tables and the checked recipe left: a tenth of a check's time. ``gc.freeze``, run by ``atexit``
    (before the interpreter tears modules down), moves them out of the collector's sight; they are
    still freed by reference counting as modules are torn down, and Python never promised to
    finalize objects alive at exit. Only for commands with nothing left to flush or close, and only
    when ftcore is the program (``main()`` read ``sys.argv``), never for a library caller.
    """
    import atexit
    import gc

    atexit.register(gc.freeze)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``ftcore`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_RECIPE
    from ftcore.plugins.errors import PluginError

    try:
        status = args.func(args)
        if argv is None and args.command in READ_ONLY_COMMANDS:  # the process is this command
            _skip_final_collection()
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (ftcore plugins | head): not an error
        sys.stderr.close()
        return EXIT_OK
    except PluginError as exc:
        if args.debug:
            raise
        print(exc.render(), file=sys.stderr)
        return EXIT_PLUGIN_FAULT
    except Exception as exc:
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("this is a bug in ftcore or a plugin; run again with --debug for the traceback", file=sys.stderr)
        return EXIT_PLUGIN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
