"""similarity / similarity_pairwise: cosine matrices in numpy."""

import numpy as np
import pytest

import gembed


def test_cosine_matrix(model):
    q = model.encode_query(["capital of France?", "a frog"])
    d = model.encode_document(["Paris is the capital of France.", "Frogs live in the Amazon.", "Taxes rose."])
    s = model.similarity(q, d)
    assert s.shape == (2, 3)
    want = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (d / np.linalg.norm(d, axis=1, keepdims=True)).T
    np.testing.assert_allclose(s, want, atol=1e-6)
    np.testing.assert_allclose(model.similarity(q[0], q[0]), [[1.0]], atol=1e-6)
    np.testing.assert_allclose(model.similarity_pairwise(q, d[:2]), np.diag(want[:, :2]), atol=1e-6)


def test_other_similarity_functions(model):
    a = np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    b = np.array([[3.0, 4.0]], dtype=np.float32)
    np.testing.assert_allclose(gembed.cos_sim(a, b), [[0.6], [0.8]], atol=1e-6)
    np.testing.assert_allclose(gembed.dot_score(a, b), [[3.0], [8.0]])
    model.similarity_fn_name = "euclidean"
    try:
        np.testing.assert_allclose(model.similarity(a, b), [[-np.sqrt(20)], [-np.sqrt(13)]], atol=1e-5)
        model.similarity_fn_name = "manhattan"
        np.testing.assert_allclose(model.similarity(a, b), [[-6.0], [-5.0]])
        model.similarity_fn_name = "dot"
        np.testing.assert_allclose(model.similarity_pairwise(a, np.vstack([b, b])), [3.0, 8.0])
        with pytest.raises(ValueError, match="similarity_fn_name 'jaccard'"):
            model.similarity_fn_name = "jaccard"
    finally:
        model.similarity_fn_name = "cosine"


def test_similarity_errors():
    with pytest.raises(ValueError, match="different dimensions: 3 and 2"):
        gembed.cos_sim(np.ones((1, 3)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="as many rows"):
        gembed.SIMILARITY_FUNCTIONS["cosine"][1](np.ones((2, 3)), np.ones((1, 3)))
