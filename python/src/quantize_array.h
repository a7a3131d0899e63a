// NumPy front of embedder/output_quantization.h (sentence-transformers' quantize_embeddings).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>

namespace gembed::python {

namespace py = pybind11;

using FloatMatrix = py::array_t<float, py::array::c_style | py::array::forcecast>;

// `embeddings`: (rows, dim). `ranges`: (2, dim) — row 0 the minimum, row 1 the maximum of
// each dimension (int8/uint8 only; None = the embeddings' own). Returns float32 (rows, dim)
// for float32, int8 (rows, dim) for int8, uint8 for uint8, int8 (rows, ⌈dim/8⌉) for binary,
// uint8 (rows, ⌈dim/8⌉) for ubinary. Wrong shapes raise ValueError naming them.
py::array QuantizeArray(const FloatMatrix& embeddings, const std::string& precision, const std::optional<FloatMatrix>& ranges);

}  // namespace gembed::python
