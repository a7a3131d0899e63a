#include "quantize_array.h"

#include <cstring>
#include <vector>

#include "embedder/output_quantization.h"

namespace gembed::python {

namespace {

std::string Shape(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

}  // namespace

py::array QuantizeArray(const FloatMatrix& embeddings, const std::string& precision, const std::optional<FloatMatrix>& ranges) {
  const Precision p = ParsePrecision(precision);
  if (embeddings.ndim() != 2) throw py::value_error("embeddings must be 2-D (rows, dim), got shape " + Shape(embeddings));
  const size_t rows = static_cast<size_t>(embeddings.shape(0));
  const size_t dim = static_cast<size_t>(embeddings.shape(1));
  QuantizationRanges r;
  if (ranges) {
    if (ranges->ndim() != 2 || ranges->shape(0) != 2 || static_cast<size_t>(ranges->shape(1)) != dim) {
      throw py::value_error("ranges must have shape (2, " + std::to_string(dim) + ") (minimum and maximum of each dimension), got " +
                            Shape(*ranges));
    }
    const float* rd = ranges->data();
    r.min.assign(rd, rd + dim);
    r.max.assign(rd + dim, rd + 2 * dim);
  }
  std::vector<uint8_t> bytes;
  {
    py::gil_scoped_release no_gil;
    bytes = QuantizeEmbeddings(embeddings.data(), rows, dim, p, ranges ? &r : nullptr);
  }
  const size_t row_bytes = QuantizedRowBytes(dim, p);
  py::dtype dtype = py::dtype::of<int8_t>();
  size_t cols = row_bytes;
  if (p == Precision::kFloat32) {
    dtype = py::dtype::of<float>();
    cols = dim;
  } else if (p == Precision::kUint8 || p == Precision::kUbinary) {
    dtype = py::dtype::of<uint8_t>();
  }
  py::array out(dtype, std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
  if (!bytes.empty()) std::memcpy(out.mutable_data(), bytes.data(), bytes.size());
  return out;
}

}  // namespace gembed::python
