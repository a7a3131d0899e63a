"""encode / encode_query / encode_document: shapes, dtypes, prompts and Matryoshka truncation."""

import numpy as np
import pytest

import gembed

TEXTS = ["What is the capital of France?", "Paris is the capital of France.", "A frog in the Amazon."]


def test_shapes_and_dtypes(model):
    many = model.encode(TEXTS)
    assert isinstance(many, np.ndarray)
    assert many.shape == (3, 32) and many.dtype == np.float32
    one = model.encode(TEXTS[0])
    assert one.shape == (32,) and one.dtype == np.float32
    np.testing.assert_array_equal(one, many[0])
    assert model.encode(tuple(TEXTS)).shape == (3, 32)
    empty = model.encode([])
    assert empty.shape == (0, 32) and empty.dtype == np.float32
    rows = model.encode(TEXTS, convert_to_numpy=False)
    assert isinstance(rows, list) and len(rows) == 3 and rows[1].shape == (32,)
    np.testing.assert_allclose(np.linalg.norm(many, axis=1), 1.0, atol=1e-6)


def test_encode_query_is_the_query_prompt(model):
    np.testing.assert_array_equal(model.encode_query(TEXTS), model.encode(TEXTS, prompt_name="query"))
    np.testing.assert_array_equal(model.encode_query(TEXTS), model.encode(TEXTS, prompt="task: search result | query: "))
    assert not np.allclose(model.encode_query(TEXTS), model.encode(TEXTS))
    # An explicit prompt wins over the default one.
    np.testing.assert_array_equal(model.encode_query(TEXTS, prompt_name="STS"), model.encode(TEXTS, prompt_name="STS"))


def test_encode_document_prompt_and_titles(model):
    np.testing.assert_array_equal(model.encode_document(TEXTS), model.encode(TEXTS, prompt_name="document"))
    # A None title is written "none", which is the document prompt itself.
    np.testing.assert_allclose(model.encode_document(TEXTS, titles=[None] * 3), model.encode_document(TEXTS), atol=1e-6)
    titled = model.encode_document(TEXTS, titles=["Paris", None, "Frogs"])
    np.testing.assert_allclose(titled[0], model.encode(TEXTS[0], prompt="title: Paris | text: "), atol=1e-6)
    np.testing.assert_allclose(titled[1], model.encode_document(TEXTS[1]), atol=1e-6)
    with pytest.raises(ValueError, match="titles has 2 items but texts has 3"):
        model.encode_document(TEXTS, titles=["a", "b"])
    with pytest.raises(ValueError, match="not both"):
        model.encode_document(TEXTS, titles=["a", "b", "c"], prompt_name="query")


def test_truncate_dim_keeps_leading_dimensions_renormalised(model):
    full = model.encode(TEXTS)
    for dim in (16, 8):
        cut = model.encode(TEXTS, truncate_dim=dim)
        assert cut.shape == (3, dim)
        want = full[:, :dim] / np.linalg.norm(full[:, :dim], axis=1, keepdims=True)
        np.testing.assert_allclose(cut, want, atol=1e-6)


def test_model_level_truncate_dim(tiny_text_dir):
    m = gembed.Model(tiny_text_dir, threads=1, truncate_dim=16)
    assert m.truncate_dim == 16
    assert m.get_sentence_embedding_dimension() == 16
    assert m.encode(TEXTS).shape == (3, 16)
    assert m.encode(TEXTS, truncate_dim=8).shape == (3, 8)  # the call's wins
    m.truncate_dim = None
    assert m.get_sentence_embedding_dimension() == 32


def test_properties(model):
    assert model.max_seq_length == 2048
    assert model.get_max_seq_length() == 2048
    assert model.get_sentence_embedding_dimension() == 32
    assert model.prompts["query"] == "task: search result | query: "
    assert model.prompts["document"] == "title: none | text: "
    assert model.default_prompt_name is None
    assert model.similarity_fn_name == "cosine"
    assert model.device == "cpu"
    assert model.threads == 2
    with pytest.raises(AttributeError):
        model.max_seq_length = 512
    assert "tiny-text" in repr(model)


def test_default_prompt_name_and_custom_prompts(tiny_text_dir):
    m = gembed.Model(tiny_text_dir, threads=1, default_prompt_name="query", prompts={"mine": "task: mine | query: "})
    np.testing.assert_array_equal(m.encode(TEXTS), m.encode(TEXTS, prompt_name="query"))
    np.testing.assert_array_equal(m.encode(TEXTS, prompt_name="mine"), m.encode(TEXTS, prompt="task: mine | query: "))
    m.prompts["later"] = "task: later | query: "  # prompts is a plain dict, as in sentence-transformers
    np.testing.assert_array_equal(m.encode(TEXTS, prompt_name="later"), m.encode(TEXTS, prompt="task: later | query: "))
    m.default_prompt_name = None
    np.testing.assert_array_equal(m.encode(TEXTS), m.encode(TEXTS, prompt=""))
    with pytest.raises(ValueError, match="not one of the model's prompts"):
        m.default_prompt_name = "nope"


def test_batch_size_does_not_change_results(model):
    texts = [f"sentence number {i} about {'cats' if i % 2 else 'dogs'}" for i in range(40)]
    np.testing.assert_allclose(model.encode(texts, batch_size=1), model.encode(texts, batch_size=64), atol=1e-6)


def test_normalize_embeddings_keeps_unit_rows(model):
    np.testing.assert_allclose(model.encode(TEXTS, normalize_embeddings=True), model.encode(TEXTS), atol=1e-6)


def test_skip_normalize_gives_the_vectors_before_normalize(model):
    unit = model.encode(TEXTS)
    # sentence-transformers' meaning: the model's Normalize module runs either way.
    np.testing.assert_array_equal(model.encode(TEXTS, normalize_embeddings=False), unit)
    raw = model.encode(TEXTS, skip_normalize=True)
    assert raw.shape == unit.shape and raw.dtype == np.float32
    norms = np.linalg.norm(raw.astype(np.float64), axis=1)
    assert np.all(np.abs(norms - 1.0) > 1e-3), norms  # not unit vectors
    np.testing.assert_allclose(raw / norms[:, None], unit, atol=1e-6)
    # truncate_dim keeps the first floats as they are (no re-normalisation) ...
    np.testing.assert_array_equal(model.encode(TEXTS, skip_normalize=True, truncate_dim=8), raw[:, :8])
    np.testing.assert_allclose(model.encode(TEXTS, skip_normalize=True, normalize_embeddings=True), unit, atol=1e-6)
    # ... and passes through encode_query / encode_document, a single str too.
    np.testing.assert_array_equal(
        model.encode_query(TEXTS[0], skip_normalize=True), model.encode(TEXTS[0], prompt_name="query", skip_normalize=True)
    )
    assert abs(np.linalg.norm(model.encode_document(TEXTS[0], skip_normalize=True)) - 1.0) > 1e-3


def test_strict_refuses_over_long_inputs(model):
    long_text = "word " * 5000
    assert model.encode(long_text).shape == (32,)  # truncated silently by default
    with pytest.raises(ValueError, match=r"texts\[1\]: .*the model takes at most 2048"):
        model.encode(["short", long_text], strict=True)
