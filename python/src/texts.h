// Python arguments → the C++ embedder's inputs, with errors that name the offending item
// ("texts[3] is int, not str"), raised while the GIL is held.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <vector>

#include "embedder/embedder.h"

namespace gembed::python {

namespace py = pybind11;

// A sequence of str (list, tuple, …) → UTF-8 strings. `what` names the argument in errors.
// A str itself is refused (the Python layer wraps a single string in a list first).
// Raises TypeError for a non-sequence or a non-str item, ValueError for a str that cannot be
// UTF-8 encoded (a lone surrogate).
std::vector<std::string> ToStrings(py::handle seq, const char* what);

// Like ToStrings, but items may be None (→ nullopt).
std::vector<std::optional<std::string>> ToOptionalStrings(py::handle seq, const char* what);

// One optional str argument (None → nullopt), checked as the items above.
std::optional<std::string> ToOptionalString(py::handle value, const char* what);

// The inputs for `texts`, each with its document title when `titles` is not None (then it
// must have as many items as `texts`; a None title means "none", as EmbeddingGemma's
// document prompt writes it).
std::vector<EmbedInput> ToInputs(py::handle texts, py::handle titles);

}  // namespace gembed::python
