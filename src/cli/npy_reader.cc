#include "cli/npy_reader.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "base/error.h"

namespace gembed::cli {

namespace {

// The value text of `key` in the header's Python dict literal, e.g. "'<f4'" or "(3, 32)".
std::string HeaderValue(const std::string& header, const std::string& key, const std::string& where) {
  const size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) throw Error(where + ": the .npy header has no '" + key + "'");
  size_t v = header.find(':', k);
  if (v == std::string::npos) throw Error(where + ": malformed .npy header");
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  size_t end = v;
  if (v < header.size() && header[v] == '(') {
    end = header.find(')', v);
    if (end == std::string::npos) throw Error(where + ": malformed .npy header");
    ++end;
  } else {
    while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  }
  return header.substr(v, end - v);
}

// "(3, 32)" → {3, 32}; "(3,)" → {3}.
std::vector<size_t> ParseShape(const std::string& text, const std::string& where) {
  std::vector<size_t> dims;
  size_t i = 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= text.size() || text[i] == ')') break;
    size_t value = 0, digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (value > (std::numeric_limits<size_t>::max() - 9) / 10) throw Error(where + ": .npy shape is too large");
      value = value * 10 + size_t(text[i] - '0');
      ++i, ++digits;
    }
    if (digits == 0) throw Error(where + ": malformed .npy shape " + text);
    dims.push_back(value);
  }
  return dims;
}

}  // namespace

FloatMatrix ReadNpyFloatMatrix(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open " + path);
  const std::string bytes((std::istreambuf_iterator<char>(f)), {});
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw Error(path + ": not a NumPy .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (size_t(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error(path + ": truncated .npy header");
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    throw Error(path + ": .npy version " + std::to_string(major) + " is not supported");
  }
  if (bytes.size() - offset < header_len) throw Error(path + ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  offset += header_len;

  const std::string descr = HeaderValue(header, "descr", path);
  size_t item = 0;
  if (descr == "'<f4'") item = 4;
  else if (descr == "'<f8'") item = 8;
  else throw Error(path + ": dtype " + descr + " (expected float32 '<f4' or float64 '<f8')");
  if (HeaderValue(header, "fortran_order", path) != "False") throw Error(path + ": Fortran-ordered arrays are not supported");
  const std::string shape_text = HeaderValue(header, "shape", path);
  const std::vector<size_t> shape = ParseShape(shape_text, path);
  if (shape.size() != 2) throw Error(path + ": shape " + shape_text + " (expected 2-D: rows, dim)");

  FloatMatrix m{shape[0], shape[1], {}};
  if (m.cols != 0 && m.rows > (std::numeric_limits<size_t>::max() / item) / m.cols) throw Error(path + ": .npy shape is too large");
  const size_t n = m.rows * m.cols;
  if (bytes.size() - offset != n * item) {
    throw Error(path + ": holds " + std::to_string(bytes.size() - offset) + " data bytes; shape " + shape_text + " needs " +
                std::to_string(n * item));
  }
  m.data.resize(n);
  if (item == 4) {
    std::memcpy(m.data.data(), bytes.data() + offset, n * 4);
  } else {
    for (size_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, bytes.data() + offset + i * 8, 8);
      m.data[i] = static_cast<float>(d);
    }
  }
  return m;
}

}  // namespace gembed::cli
