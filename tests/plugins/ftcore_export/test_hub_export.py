"""``export hub("org/name", private: true)``: pushed through huggingface_hub with the token it finds, never
written anywhere; no token, offline mode or a malformed id are ``ftcore check`` errors. No test reaches the
network: HfApi is replaced by a recorder."""

from __future__ import annotations

import pytest

from ftcore.runtime.errors import RunError
from test_export_plugin import errors, run_export, trained_folder


class FakeHfApi:
    """Records what would have been sent to the Hub."""

    calls: list = []

    def __init__(self, token=None):
        self.token = token

    def create_repo(self, repo_id, private=False, exist_ok=False):
        FakeHfApi.calls.append(("create_repo", repo_id, private, exist_ok, self.token))

    def upload_folder(self, repo_id, folder_path, commit_message=""):
        from pathlib import Path

        files = {p.name: p.read_bytes() for p in Path(folder_path).iterdir()}
        FakeHfApi.calls.append(("upload_folder", repo_id, sorted(files), commit_message, files))


@pytest.fixture
def hub(monkeypatch):
    import huggingface_hub

    FakeHfApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeHfApi)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_123")
    return FakeHfApi.calls


def hub_entry(repo="my-org/tickets", private=True):
    return {"component": "exporter:hub", "args": {"repo": repo, "private": private},
            "impl": "ftcore_export.hub:HubExporter", "plugin": "export"}


def test_the_model_and_card_are_pushed_with_the_token_huggingface_hub_finds(hub, tmp_path):
    from types import SimpleNamespace

    from ftcore_export.stage import EXPORT_STAGE

    model = trained_folder(tmp_path)
    stage = SimpleNamespace(params={"exporter": hub_entry(), "card": True, "merge_adapter": True, "recipe": "r",
                                    "task": "causal_lm"})
    out = EXPORT_STAGE.run(stage, {"model": str(model), "summary": {"steps": 2}}, SimpleNamespace(log=print))
    assert out == {"path": "https://huggingface.co/my-org/tickets"}
    (create, upload) = hub
    assert create == ("create_repo", "my-org/tickets", True, True, "hf_secret_token_123")
    assert upload[1] == "my-org/tickets" and "model.safetensors" in upload[2] and "README.md" in upload[2]
    assert all(b"hf_secret_token_123" not in data for data in upload[4].values())  # the token is written nowhere
    assert "from_pretrained(folder)" in upload[4]["README.md"].decode() and \
        "folder = 'my-org/tickets'" in upload[4]["README.md"].decode()


def test_a_failed_push_is_a_message_that_keeps_the_trained_model(hub, tmp_path, monkeypatch):
    def refuse(self, **kwargs):
        raise PermissionError("403 Forbidden")

    monkeypatch.setattr(FakeHfApi, "upload_folder", refuse)
    model = trained_folder(tmp_path)
    with pytest.raises(RunError, match='pushing to the Hub repository "my-org/tickets" failed: PermissionError'):
        run_export(tmp_path, model, tmp_path / "unused", exporter=hub_entry())
    assert (model / "model.safetensors").is_file()


def test_no_token_offline_or_a_bad_id_are_check_errors(tmp_path, monkeypatch):
    import huggingface_hub

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    (err,) = errors(tmp_path, 'export hub("my-org/tickets", private: true) { }\n')
    assert err.message == "no Hugging Face token: the model could not be pushed after training"
    assert "HF_TOKEN" in err.hint and err.span.line == 4
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: "hf_x")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (err,) = errors(tmp_path, 'export hub("my-org/tickets") { }\n')
    assert err.message.startswith("HF_HUB_OFFLINE is set")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    (err,) = errors(tmp_path, 'export hub("tickets") { }\n')
    assert err.message == '"tickets" is not a Hub repository id' and (err.span.line, err.span.col) == (4, 12)
