"""Other ways to load a model: weight types chosen at load, and GGUF files."""

import os
import subprocess

import numpy as np
import pytest

import gembed

TEXTS = ["What is the capital of France?", "A frog in the Amazon."]


def cosines(a, b):
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_weights_option(model, tiny_text_dir):
    q8 = gembed.Model(tiny_text_dir, threads=1, weights="q8_0")
    assert (cosines(q8.encode(TEXTS), model.encode(TEXTS)) > 0.999).all()
    f32 = gembed.Model(tiny_text_dir, threads=1, weights="f32", activations="f32")
    np.testing.assert_allclose(f32.encode(TEXTS), model.encode(TEXTS), atol=1e-5)
    with pytest.raises(ValueError):
        gembed.Model(tiny_text_dir, weights="q3_k")
    with pytest.raises(ValueError):
        gembed.Model(tiny_text_dir, activations="fp4")
    with pytest.raises(TypeError, match="weights must be a str"):
        gembed.Model(tiny_text_dir, weights=8)


def test_gguf_file_loads_like_the_folder(model, tiny_text_dir, tmp_path):
    cli = os.environ.get("GEMBED_CLI")
    if not cli:
        pytest.skip("GEMBED_CLI (the gembed binary, to write a GGUF file) not set; scripts/python_test.sh and ctest set it")
    gguf = tmp_path / "tiny-text.gguf"
    subprocess.run([cli, "convert", tiny_text_dir, str(gguf), "--type", "f32"], check=True, capture_output=True)
    m = gembed.Model(gguf, threads=1)  # a pathlib.Path works too
    assert m.similarity_fn_name == "cosine"
    assert m.get_sentence_embedding_dimension() == 32
    np.testing.assert_allclose(m.encode_query(TEXTS), model.encode_query(TEXTS), atol=1e-5)
    assert m.tokenize(TEXTS) == model.tokenize(TEXTS)


def test_hugging_face_ids_resolve_in_the_local_cache(model, tiny_text_dir, tmp_path, monkeypatch):
    # A cache laid out as huggingface_hub writes it: refs/main names the snapshot folder.
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--test-org--tiny-text"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots").mkdir()
    os.symlink(tiny_text_dir, repo / "snapshots" / commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    m = gembed.Model("test-org/tiny-text", threads=1)
    assert m.path.endswith(commit)
    np.testing.assert_array_equal(m.encode_query(TEXTS), model.encode_query(TEXTS))
    assert gembed.Model(f"test-org/tiny-text@{commit}", threads=1).path.endswith(commit)
    with pytest.raises(gembed.Error, match="run `gembed pull test-org/absent`"):
        gembed.Model("test-org/absent")
