"""Embedding output quantisation, as sentence-transformers' ``quantize_embeddings`` defines it.

The arithmetic is the C++ one (src/embedder/output_quantization.h) that the CLI and the
server share, so every front end gives the same bytes:

* ``int8`` / ``uint8``: per-dimension ranges ``[min, max]`` split into 255 steps;
  ``uint8 = trunc((x - min) / step)``, ``int8 = trunc((x - min) / step - 128)``. The ranges
  come from ``ranges`` (shape ``(2, dim)``), else from ``calibration_embeddings``, else from
  the embeddings being quantised (fine for a large batch, poor for a handful of rows).
* ``binary`` / ``ubinary``: one bit per dimension (``x > 0``), packed 8 to a byte, most
  significant bit first; ``binary`` stores ``byte - 128`` as int8, ``ubinary`` the byte.

Where numpy would wrap values outside the ranges, gembed clamps them; an empty range
(min == max) gives the bottom of the range instead of NaN.
"""

import numpy as np

from . import _gembed

#: The precision names ``encode`` and ``quantize_embeddings`` accept.
PRECISIONS = ("float32", "int8", "uint8", "binary", "ubinary")


def ranges_from(calibration_embeddings):
    """(2, dim) float32 array: each dimension's minimum (row 0) and maximum (row 1)."""
    cal = np.asarray(calibration_embeddings, dtype=np.float32)
    if cal.ndim != 2 or cal.shape[0] == 0:
        raise ValueError(f"calibration_embeddings must be a non-empty 2-D array (rows, dim), got shape {cal.shape}")
    return np.vstack((cal.min(axis=0), cal.max(axis=0)))


def quantize_embeddings(embeddings, precision, ranges=None, calibration_embeddings=None):
    """Quantises float embeddings to ``precision`` (one of :data:`PRECISIONS`).

    ``embeddings``: array-like of shape (rows, dim), or (dim,) for a single embedding (the
    result is then 1-D too). Returns float32 (rows, dim) for float32, int8 (rows, dim) for
    int8, uint8 (rows, dim) for uint8, int8 (rows, ceil(dim / 8)) for binary and uint8
    (rows, ceil(dim / 8)) for ubinary.
    """
    if not isinstance(precision, str):
        raise TypeError(f"precision must be a str, not {type(precision).__name__}")
    arr = np.asarray(embeddings, dtype=np.float32)
    single = arr.ndim == 1
    if single:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(f"embeddings must be 1-D or 2-D, got shape {np.shape(embeddings)}")
    if ranges is None and calibration_embeddings is not None:
        ranges = ranges_from(calibration_embeddings)
        if ranges.shape[1] != arr.shape[1]:
            raise ValueError(
                f"calibration_embeddings have {ranges.shape[1]} dimensions but the embeddings have {arr.shape[1]}"
            )
    if ranges is not None:
        ranges = np.asarray(ranges, dtype=np.float32)
    out = _gembed.quantize(arr, precision, ranges)
    return out[0] if single else out
