"""The bindings reproduce the float64 reference embeddings of the tiny-text fixture."""

import numpy as np

from conftest import assert_close_embedding


def encode_case(model, case, **kwargs):
    """Embeds a fixture case the way its fields say (title form, prompt name or raw prompt)."""
    if case["title"] is not None:
        return model.encode_document(case["text"], titles=case["title"], **kwargs)
    if case["prompt_name"] is not None:
        return model.encode(case["text"], prompt_name=case["prompt_name"], **kwargs)
    return model.encode(case["text"], prompt=case["prompt"], **kwargs)


def test_every_case_matches_the_reference(model, expected):
    assert len(expected["cases"]) >= 10
    for case in expected["cases"]:
        got = encode_case(model, case)
        assert got.dtype == np.float32
        assert_close_embedding(got, case["embedding"])


def test_matryoshka_dimensions_match_the_reference(model, expected):
    for case in expected["cases"]:
        for dim, want in case["matryoshka"].items():
            got = encode_case(model, case, truncate_dim=int(dim))
            assert got.shape == (int(dim),)
            assert_close_embedding(got, want)


def test_batched_list_matches_single_calls(model, expected):
    texts = [c["text"] for c in expected["cases"] if c["prompt_name"] == "query"]
    assert len(texts) >= 3
    batch = model.encode(texts, prompt_name="query", batch_size=2)
    for text, row in zip(texts, batch):
        np.testing.assert_allclose(row, model.encode(text, prompt_name="query"), atol=1e-6)


def test_tokenize_gives_the_reference_ids(model, expected):
    for case in expected["cases"]:
        ids = model.tokenize([case["text"]], prompt=case["prompt"])["input_ids"][0]
        assert ids == case["input_ids"], case["name"]
        assert len(ids) == case["length"]
