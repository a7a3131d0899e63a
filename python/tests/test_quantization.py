"""precision= and quantize_embeddings against sentence-transformers' formulas in numpy."""

import numpy as np
import pytest

import gembed


def reference_quantize(embeddings, precision, ranges=None, calibration_embeddings=None):
    """sentence-transformers' quantize_embeddings arithmetic, written out in numpy (float32)."""
    x = np.asarray(embeddings, dtype=np.float32)
    if precision in ("int8", "uint8"):
        if ranges is None:
            source = x if calibration_embeddings is None else np.asarray(calibration_embeddings, dtype=np.float32)
            ranges = np.vstack((source.min(axis=0), source.max(axis=0)))
        starts = ranges[0, :]
        steps = (ranges[1, :] - ranges[0, :]) / np.float32(255)
        levels = (x - starts) / steps
        if precision == "uint8":
            return levels.astype(np.uint8)
        return (levels - np.float32(128)).astype(np.int8)
    packed = np.packbits(x > 0).reshape(x.shape[0], -1)
    if precision == "binary":
        return (packed.astype(np.int16) - 128).astype(np.int8)
    return packed


@pytest.fixture(scope="module")
def corpus(model):
    texts = [f"document {i}: {w} and more words about {w}" for i, w in enumerate(["cats", "dogs", "rain", "tax", "code"] * 8)]
    return texts, model.encode(texts)


@pytest.mark.parametrize("precision, dtype, width", [("int8", np.int8, 32), ("uint8", np.uint8, 32), ("binary", np.int8, 4), ("ubinary", np.uint8, 4)])
def test_encode_precision_matches_the_formulas(model, corpus, precision, dtype, width):
    texts, floats = corpus
    got = model.encode(texts, precision=precision)
    assert got.dtype == dtype and got.shape == (len(texts), width)
    np.testing.assert_array_equal(got, reference_quantize(floats, precision))
    np.testing.assert_array_equal(gembed.quantize_embeddings(floats, precision), got)
    one = model.encode(texts[0], precision=precision)
    assert one.shape == (width,)


def test_int8_uses_the_full_range(model, corpus):
    texts, _ = corpus
    q = model.encode(texts, precision="int8").astype(int)
    assert q.min(axis=0).tolist() == [-128] * 32  # each dimension's minimum is the bottom
    # and its maximum the top: 127, or 126 where (max - min) / step rounds to just under 255
    # in float32 (numpy gives the same).
    assert set(q.max(axis=0).tolist()) <= {126, 127} and 127 in q.max(axis=0)


def test_binary_bits_are_the_signs(model, corpus):
    texts, floats = corpus
    bits = np.unpackbits(model.encode(texts, precision="ubinary"), axis=1)
    np.testing.assert_array_equal(bits.astype(bool), floats > 0)
    np.testing.assert_array_equal(
        model.encode(texts, precision="binary").astype(np.int16) + 128, model.encode(texts, precision="ubinary")
    )


def test_calibration_embeddings_and_ranges(model, corpus):
    texts, floats = corpus
    calibration, data = floats[:30], floats[30:]
    ranges = np.vstack((calibration.min(axis=0), calibration.max(axis=0)))
    with_ranges = gembed.quantize_embeddings(data, "int8", ranges=ranges)
    with_calibration = gembed.quantize_embeddings(data, "int8", calibration_embeddings=calibration)
    np.testing.assert_array_equal(with_ranges, with_calibration)
    # The formulas agree wherever numpy does not wrap around (values inside the ranges);
    # outside them gembed clamps to -128 / 127.
    inside = (data >= ranges[0]) & (data <= ranges[1])
    assert inside.mean() > 0.8 and not inside.all()
    want = reference_quantize(data, "int8", ranges=ranges)
    np.testing.assert_array_equal(with_ranges[inside], want[inside])
    assert (with_ranges[data < ranges[0]] == -128).all()
    assert (with_ranges[data > ranges[1]] == 127).all()
    below = np.minimum(data, ranges[0] - 1)
    assert (gembed.quantize_embeddings(below, "int8", ranges=ranges) == -128).all()
    above = np.maximum(data, ranges[1] + 1)
    assert (gembed.quantize_embeddings(above, "uint8", ranges=ranges) == 255).all()
    # encode takes the same calibration.
    np.testing.assert_array_equal(model.encode(texts[30:], precision="int8", calibration_embeddings=calibration), with_ranges)
    np.testing.assert_array_equal(model.encode(texts[30:], precision="int8", ranges=ranges), with_ranges)


def test_float32_and_single_rows():
    x = np.array([[0.5, -0.25, 0.0, 1.0, -1.0, 0.1, 0.2, -0.3, 0.9]], dtype=np.float32)
    np.testing.assert_array_equal(gembed.quantize_embeddings(x, "float32"), x)
    # 9 dimensions pack into 2 bytes: 0b10010110 and 0b10000000 (the last byte zero-padded).
    assert gembed.quantize_embeddings(x, "ubinary").tolist() == [[0b10010110, 0b10000000]]
    assert gembed.quantize_embeddings(x[0], "ubinary").tolist() == [0b10010110, 0b10000000]
    # A list of lists (float64) is accepted too.
    assert gembed.quantize_embeddings(x.astype(np.float64).tolist(), "binary").tolist() == [[0b10010110 - 128, 0]]


def test_quantization_errors():
    x = np.zeros((3, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="unknown precision 'int4'"):
        gembed.quantize_embeddings(x, "int4")
    with pytest.raises(ValueError, match=r"ranges must have shape \(2, 8\)"):
        gembed.quantize_embeddings(x, "int8", ranges=np.zeros((2, 7)))
    with pytest.raises(ValueError, match="calibration_embeddings have 4 dimensions but the embeddings have 8"):
        gembed.quantize_embeddings(x, "int8", calibration_embeddings=np.zeros((5, 4)))
    with pytest.raises(ValueError, match="must be 1-D or 2-D"):
        gembed.quantize_embeddings(np.zeros((2, 2, 2)), "int8")
    with pytest.raises(TypeError):
        gembed.quantize_embeddings(x, 8)
