// The `_gembed` extension module: the C++ embedder, thin. The `gembed` package (gembed/*.py)
// builds the sentence-transformers-shaped API on top (prompt names, single strings,
// precision, similarity), so that this file only converts types, releases the GIL and maps
// errors.
//
// Errors: gembed::Error (bad input, bad model files) → gembed.Error, a ValueError subclass
// carrying the C++ message; wrong Python types → TypeError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "embed_array.h"
#include "embedder/embedder.h"
#include "hub/model_reference.h"
#include "quantize_array.h"
#include "texts.h"

namespace py = pybind11;
using gembed::EmbedOptions;
using gembed::Embedder;

namespace {

EmbedOptions Options(py::handle prompt, int dim, int batch_size, bool strict, bool normalize = true) {
  EmbedOptions o;
  o.prompt = gembed::python::ToOptionalString(prompt, "prompt");
  o.dim = dim;
  o.batch_size = batch_size;
  o.strict = strict;
  o.normalize = normalize;
  return o;
}

}  // namespace

PYBIND11_MODULE(_gembed, m) {
  m.doc() = "gembed's C++ embedder (use the gembed package, not this module)";
  py::register_exception<gembed::Error>(m, "Error", PyExc_ValueError);

  py::class_<Embedder, std::unique_ptr<Embedder>>(m, "Embedder")
      .def(py::init([](const std::string& path, int threads, const std::string& weights, const std::string& activations) {
             py::gil_scoped_release no_gil;  // loading takes a while; let other threads run
             return Embedder::Load(path, {.threads = threads, .weights = weights, .activations = activations});
           }),
           py::arg("path"), py::arg("threads") = 0, py::arg("weights") = "auto", py::arg("activations") = "auto",
           "Loads a model folder or GGUF file; threads=0 uses every core.")
      .def(
          "embed",
          [](const Embedder& self, py::handle texts, py::handle titles, py::handle prompt, int dim, int batch_size, bool strict,
             bool normalize) {
            const auto inputs = gembed::python::ToInputs(texts, titles);
            return gembed::python::EmbedToArray(self, inputs, Options(prompt, dim, batch_size, strict, normalize));
          },
          py::arg("texts"), py::arg("titles") = py::none(), py::arg("prompt") = py::none(), py::arg("dim") = 0,
          py::arg("batch_size") = 32, py::arg("strict") = false, py::arg("normalize") = true,
          "Embeds a list of str into a (len(texts), dim) float32 array. prompt: a raw prompt string "
          "(None: the model's default prompt). titles: one title (or None) per text, for "
          "EmbeddingGemma's document form. dim=0: full dimension. normalize=False: the vectors before "
          "the model's final Normalize module (dim then truncates without re-normalising).")
      .def(
          "prepare",
          [](const Embedder& self, py::handle texts, py::handle titles, py::handle prompt) {
            const auto inputs = gembed::python::ToInputs(texts, titles);
            return gembed::python::PrepareAll(self, inputs, Options(prompt, 0, 1, false));
          },
          py::arg("texts"), py::arg("titles") = py::none(), py::arg("prompt") = py::none(),
          "The token ids the model sees for each text (prompt applied, stripped, <bos>/<eos>, truncated).")
      .def_property_readonly("output_dim", &Embedder::output_dim)
      .def_property_readonly("max_seq_length", &Embedder::max_seq_length)
      .def_property_readonly("num_threads", &Embedder::num_threads)
      .def_property_readonly("prompts", [](const Embedder& self) { return self.prompts(); })
      .def_property_readonly("default_prompt_name", [](const Embedder& self) { return self.model().default_prompt_name; })
      .def_property_readonly("normalize", [](const Embedder& self) { return self.model().normalize; })
      .def_property_readonly("weights_dtype", [](const Embedder& self) { return self.model().weights_dtype; })
      .def_property_readonly("path", [](const Embedder& self) { return self.model().path; });

  m.def("resolve_model_reference", &gembed::hub::ResolveModelReference, py::arg("ref"),
        "A path as it is, or an org/name[@revision] Hugging Face id → its snapshot in the local HF cache "
        "(no network; an id that is not cached raises gembed.Error saying to run `gembed pull`).");
  m.def("quantize", &gembed::python::QuantizeArray, py::arg("embeddings"), py::arg("precision"), py::arg("ranges") = py::none(),
        "Quantises a (rows, dim) float32 array: float32, int8, uint8, binary or ubinary (sentence-transformers' "
        "quantize_embeddings). ranges: (2, dim) minimum/maximum per dimension for int8/uint8.");
}
