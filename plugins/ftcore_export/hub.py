"""The ``hub`` exporter: the trained model pushed to a Hugging Face Hub repository.

``export hub("org/name", private: true)`` writes the same folder as ``hf`` (weights, config,
tokenizer, model card) to a temporary place and uploads it with ``huggingface_hub``, creating the
repository when it does not exist. The token is the one ``huggingface_hub`` finds (``HF_TOKEN``,
or the user's ``hf auth login``); ftcore passes it to the library and writes it nowhere. What is
knowable before training is checked by ``ftcore check``: the repository id, a token, and that the
Hub is not switched off (``HF_HUB_OFFLINE``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional

from ftcore.api import Exporter, ExportRequest, RunError

REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


def _token() -> Optional[str]:
    from huggingface_hub import get_token

    return get_token()


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


class HubExporter(Exporter):
    """``hub("org/name", private: false)``: upload the model folder to a Hub repository."""

    def check(self, args: Mapping[str, Any]) -> list[tuple[str, Optional[str], Optional[str]]]:
        """A valid repository id, the Hub reachable in principle (not offline), and a token to push with."""
        repo = str(args.get("repo", ""))
        if not REPO_ID.match(repo):
            return [(f'"{repo}" is not a Hub repository id', "repo", 'write it as owner/name: hub("my-org/my-model")')]
        if _offline():
            return [("HF_HUB_OFFLINE is set, so the model cannot be pushed to the Hub after training", None,
                     "unset HF_HUB_OFFLINE, or export to a folder with hf(\"out/...\") and push it later")]
        if _token() is None:
            return [("no Hugging Face token: the model could not be pushed after training", None,
                     "set HF_TOKEN, or run `hf auth login` (the token is read, never written by ftcore)")]
        return []

    def export(self, request: ExportRequest) -> str:
        """Upload the model (or its adapter, with ``merge_adapter false``) and the card; return the repository URL."""
        from huggingface_hub import HfApi

        from ftcore_export.hf import HFExporter

        problems = self.check(request.args)
        if problems:
            message, _, hint = problems[0]
            raise RunError(message, hint)
        repo = str(request.args["repo"])
        work = Path(tempfile.mkdtemp(prefix="ftcore-hub-"))
        try:
            folder = work / "model"
            HFExporter().export(ExportRequest(**{**request.__dict__, "args": {"path": str(folder)}}))
            api = HfApi(token=_token())
            try:
                api.create_repo(repo_id=repo, private=bool(request.args.get("private")), exist_ok=True)
                api.upload_folder(repo_id=repo, folder_path=str(folder),
                                  commit_message=f"ftcore: {request.recipe_name}")
            except Exception as exc:  # network, permission or quota: the saved model in the run stays usable
                raise RunError(f'pushing to the Hub repository "{repo}" failed: {type(exc).__name__}: {exc}',
                               "the trained model is in the run directory's model/; push it later with "
                               "`hf upload` or rerun the export") from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return f"https://huggingface.co/{repo}"
