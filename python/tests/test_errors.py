"""Bad input becomes a Python exception with a message naming what is wrong."""

import numpy as np
import pytest

import gembed


def test_unknown_prompt_name(model):
    with pytest.raises(ValueError, match="unknown prompt name 'nope'; this model has: .*query"):
        model.encode(["x"], prompt_name="nope")


def test_wrong_types(model):
    with pytest.raises(TypeError, match="texts must be a list of str, not int"):
        model.encode(42)
    with pytest.raises(TypeError, match=r"texts\[1\] is int, not str"):
        model.encode(["ok", 7])
    with pytest.raises(TypeError, match=r"texts\[0\] is NoneType, not str"):
        model.encode([None])
    with pytest.raises(TypeError, match="texts must be a list of str, not generator"):
        model.encode(t for t in ["a"])
    with pytest.raises(TypeError, match="prompt must be a str"):
        model.encode(["x"], prompt=3)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        model.encode(["x"], batch_size="8")
    with pytest.raises(TypeError, match="truncate_dim must be an int"):
        model.encode(["x"], truncate_dim=8.0)
    with pytest.raises(TypeError, match="model_name_or_path must be a str"):
        gembed.Model(123)


def test_bad_values(model):
    with pytest.raises(ValueError, match=r"texts\[1\] cannot be encoded as UTF-8"):
        model.encode(["fine", "bad \ud800 surrogate"])
    with pytest.raises(ValueError, match=r"texts\[2\]: nothing to embed"):
        model.encode(["a", "b", "   "])
    with pytest.raises(ValueError, match="truncate_dim 0 is not possible: choose 1..32"):
        model.encode(["x"], truncate_dim=0)
    with pytest.raises(ValueError, match="truncate_dim 64 is not possible"):
        model.encode(["x"], truncate_dim=64)
    with pytest.raises(ValueError, match="batch_size must be ≥ 1"):
        model.encode(["x"], batch_size=0)
    with pytest.raises(ValueError, match="unknown precision 'int4'"):
        model.encode(["x"], precision="int4")
    with pytest.raises(ValueError, match="CPU only"):
        model.encode(["x"], device="cuda")
    with pytest.raises(ValueError, match="convert_to_tensor"):
        model.encode(["x"], convert_to_tensor=True)
    with pytest.raises(ValueError, match="output_value"):
        model.encode(["x"], output_value="token_embeddings")


def test_model_loading_errors(tmp_path):
    with pytest.raises(gembed.Error, match="missing file .*/modules.json") as info:
        gembed.Model(str(tmp_path / "no-such-model"))
    assert isinstance(info.value, ValueError)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file at all")
    with pytest.raises(ValueError):
        gembed.Model(str(bad))
    with pytest.raises(ValueError):
        gembed.Model(str(tmp_path), threads=-1)
    with pytest.raises(ValueError, match="CPU only"):
        gembed.Model(str(tmp_path), device="cuda:0")


def test_failed_call_leaves_the_model_usable(model):
    before = model.encode(["hello"])
    with pytest.raises(ValueError):
        model.encode(["hello", "   "])
    np.testing.assert_array_equal(model.encode(["hello"]), before)
