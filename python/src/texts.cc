#include "texts.h"

#include <Python.h>

namespace gembed::python {

namespace {

std::string ItemName(const char* what, size_t i) { return std::string(what) + "[" + std::to_string(i) + "]"; }

// `name` is what errors call the value ("texts[3]", "prompt").
std::string Utf8(py::handle item, const std::string& name) {
  if (!PyUnicode_Check(item.ptr())) {
    throw py::type_error(name + " is " + std::string(Py_TYPE(item.ptr())->tp_name) + ", not str");
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(item.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();
    throw py::value_error(name + " cannot be encoded as UTF-8 (it holds a lone surrogate)");
  }
  return std::string(data, static_cast<size_t>(size));
}

std::string Utf8(py::handle item, const char* what, size_t i) { return Utf8(item, ItemName(what, i)); }

py::sequence AsSequence(py::handle seq, const char* what) {
  if (PyUnicode_Check(seq.ptr()) || !PySequence_Check(seq.ptr())) {
    throw py::type_error(std::string(what) + " must be a list of str, not " + Py_TYPE(seq.ptr())->tp_name);
  }
  return py::reinterpret_borrow<py::sequence>(seq);
}

}  // namespace

std::vector<std::string> ToStrings(py::handle seq, const char* what) {
  const py::sequence s = AsSequence(seq, what);
  std::vector<std::string> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) out.push_back(Utf8(s[i], what, i));
  return out;
}

std::vector<std::optional<std::string>> ToOptionalStrings(py::handle seq, const char* what) {
  const py::sequence s = AsSequence(seq, what);
  std::vector<std::optional<std::string>> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const py::object item = s[i];
    if (item.is_none()) out.emplace_back(std::nullopt);
    else out.emplace_back(Utf8(item, what, i));
  }
  return out;
}

std::optional<std::string> ToOptionalString(py::handle value, const char* what) {
  if (value.is_none()) return std::nullopt;
  return Utf8(value, what);
}

std::vector<EmbedInput> ToInputs(py::handle texts, py::handle titles) {
  std::vector<std::string> t = ToStrings(texts, "texts");
  std::vector<std::optional<std::string>> ti;
  if (!titles.is_none()) {
    ti = ToOptionalStrings(titles, "titles");
    if (ti.size() != t.size()) {
      throw py::value_error("titles has " + std::to_string(ti.size()) + " items but texts has " + std::to_string(t.size()) +
                            " (one title, or None, per text)");
    }
  }
  std::vector<EmbedInput> inputs(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    inputs[i].text = std::move(t[i]);
    if (!titles.is_none()) inputs[i].title = ti[i].value_or("none");
  }
  return inputs;
}

}  // namespace gembed::python
