"""Similarity functions over embeddings (numpy), named as sentence-transformers names them."""

import numpy as np


def _matrix(x, name):
    a = np.asarray(x)
    if a.dtype != np.float64:
        a = a.astype(np.float32, copy=False)  # int8/uint8 embeddings compare as numbers too
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {a.shape}")
    return a


def _pair(a, b):
    a, b = _matrix(a, "a"), _matrix(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"embeddings of different dimensions: {a.shape[1]} and {b.shape[1]}")
    return a, b


def _normalized(a):
    # The same floor as torch's F.normalize, so zero vectors give 0 instead of NaN.
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)


def cos_sim(a, b):
    """(len(a), len(b)) matrix of cosine similarities."""
    a, b = _pair(a, b)
    return _normalized(a) @ _normalized(b).T


def dot_score(a, b):
    """(len(a), len(b)) matrix of dot products."""
    a, b = _pair(a, b)
    return a @ b.T


def euclidean_sim(a, b):
    """(len(a), len(b)) matrix of negative Euclidean distances (larger = more similar)."""
    a, b = _pair(a, b)
    return -np.sqrt(np.maximum(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2), 0))


def manhattan_sim(a, b):
    """(len(a), len(b)) matrix of negative Manhattan distances (larger = more similar)."""
    a, b = _pair(a, b)
    return -np.abs(a[:, None, :] - b[None, :, :]).sum(axis=2)


def _rows(a, b):
    a, b = _pair(a, b)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"pairwise similarity needs as many rows in a as in b, got {a.shape[0]} and {b.shape[0]}")
    return a, b


def pairwise_cos_sim(a, b):
    """(n,) cosine similarity of a[i] and b[i]."""
    a, b = _rows(a, b)
    return (_normalized(a) * _normalized(b)).sum(axis=1)


def pairwise_dot_score(a, b):
    """(n,) dot product of a[i] and b[i]."""
    a, b = _rows(a, b)
    return (a * b).sum(axis=1)


def pairwise_euclidean_sim(a, b):
    """(n,) negative Euclidean distance of a[i] and b[i]."""
    a, b = _rows(a, b)
    return -np.linalg.norm(a - b, axis=1)


def pairwise_manhattan_sim(a, b):
    """(n,) negative Manhattan distance of a[i] and b[i]."""
    a, b = _rows(a, b)
    return -np.abs(a - b).sum(axis=1)


#: name → (matrix function, pairwise function), the names of sentence-transformers'
#: ``similarity_fn_name``.
SIMILARITY_FUNCTIONS = {
    "cosine": (cos_sim, pairwise_cos_sim),
    "dot": (dot_score, pairwise_dot_score),
    "euclidean": (euclidean_sim, pairwise_euclidean_sim),
    "manhattan": (manhattan_sim, pairwise_manhattan_sim),
}
