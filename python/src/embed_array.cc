#include "embed_array.h"

#include <Python.h>

#include <algorithm>
#include <cstring>

#include "base/error.h"

namespace gembed::python {

namespace {

// Inputs per GIL-free stretch: large enough that the model's batching is unaffected (it
// batches within a call, and results never depend on batch mates), small enough that
// Ctrl-C is noticed within a moment.
constexpr size_t kChunk = 256;

void CheckSignals() {
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

Error NameInput(const InputError& e, size_t offset) {
  return Error("texts[" + std::to_string(offset + e.index()) + "]: " + e.detail());
}

}  // namespace

py::array_t<float> EmbedToArray(const Embedder& model, std::span<const EmbedInput> inputs, const EmbedOptions& options) {
  const int full = model.output_dim();
  if (options.dim < 0 || options.dim > full) {
    throw Error("truncate_dim " + std::to_string(options.dim) + " is not possible: choose 1.." + std::to_string(full));
  }
  const size_t dim = static_cast<size_t>(options.dim == 0 ? full : options.dim);
  py::array_t<float> out(std::vector<py::ssize_t>{static_cast<py::ssize_t>(inputs.size()), static_cast<py::ssize_t>(dim)});
  float* dst = out.mutable_data();
  for (size_t start = 0; start < inputs.size(); start += kChunk) {
    const size_t n = std::min(kChunk, inputs.size() - start);
    {
      py::gil_scoped_release no_gil;
      std::vector<EmbedResult> results;
      try {
        results = model.Embed(inputs.subspan(start, n), options);
      } catch (const InputError& e) {
        throw NameInput(e, start);
      }
      for (size_t i = 0; i < n; ++i) std::memcpy(dst + (start + i) * dim, results[i].embedding.data(), dim * sizeof(float));
    }
    CheckSignals();
  }
  return out;
}

std::vector<std::vector<int32_t>> PrepareAll(const Embedder& model, std::span<const EmbedInput> inputs,
                                             const EmbedOptions& options) {
  std::vector<std::vector<int32_t>> ids(inputs.size());
  for (size_t start = 0; start < inputs.size(); start += kChunk) {
    const size_t n = std::min(kChunk, inputs.size() - start);
    {
      py::gil_scoped_release no_gil;
      for (size_t i = start; i < start + n; ++i) {
        try {
          ids[i] = model.Prepare(inputs[i], options).ids;
        } catch (const Error& e) {
          throw Error("texts[" + std::to_string(i) + "]: " + e.what());
        }
      }
    }
    CheckSignals();
  }
  return ids;
}

}  // namespace gembed::python
