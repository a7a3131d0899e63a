// Embedding straight into a NumPy array, with the GIL released while the model runs (other
// Python threads keep running, and several threads may embed on one model at once: the
// Embedder is thread-safe). Inputs go through in chunks; between chunks the GIL is taken
// back briefly to check for Ctrl-C, so a long call can be interrupted.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <span>
#include <vector>

#include "embedder/embedder.h"

namespace gembed::python {

namespace py = pybind11;

// (len(inputs), dim) float32 array; dim = options.dim or the model's. An input error becomes
// gembed::Error "texts[i]: <what is wrong>".
py::array_t<float> EmbedToArray(const Embedder& model, std::span<const EmbedInput> inputs, const EmbedOptions& options);

// The token ids the model sees for each input (prompt applied, stripped, <bos>/<eos>,
// truncated to max_seq_length), computed without the GIL.
std::vector<std::vector<int32_t>> PrepareAll(const Embedder& model, std::span<const EmbedInput> inputs,
                                             const EmbedOptions& options);

}  // namespace gembed::python
