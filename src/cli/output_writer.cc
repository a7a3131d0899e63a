#include "cli/output_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "base/error.h"

namespace gembed::cli {

OutputFormat ParseOutputFormat(const std::string& name) {
  if (name == "jsonl") return OutputFormat::kJsonl;
  if (name == "json") return OutputFormat::kJson;
  if (name == "f32") return OutputFormat::kF32;
  if (name == "npy") return OutputFormat::kNpy;
  throw Error("unknown format '" + name + "' (jsonl, json, f32 or npy)");
}

void AppendFloat(std::string* s, float v) {
  if (!std::isfinite(v)) {  // JSON has no NaN/inf; never expected from a normalised model
    *s += "null";
    return;
  }
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  s->append(buf, res.ptr);
}

void AppendJsonString(std::string* s, std::string_view v) {
  *s += '"';
  for (unsigned char c : v) {
    switch (c) {
      case '"': *s += "\\\""; break;
      case '\\': *s += "\\\\"; break;
      case '\n': *s += "\\n"; break;
      case '\r': *s += "\\r"; break;
      case '\t': *s += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *s += buf;
        } else {
          *s += static_cast<char>(c);
        }
    }
  }
  *s += '"';
}

EmbeddingWriter::EmbeddingWriter(std::FILE* out, OutputFormat format, Precision precision)
    : out_(out), format_(format), precision_(precision) {
  if (format == OutputFormat::kF32 && precision != Precision::kFloat32) {
    throw Error("--format f32 writes float32; --precision " + std::string(PrecisionName(precision)) +
                " needs --format jsonl, json or npy");
  }
}

static void WriteAll(std::FILE* f, const void* data, size_t n) {
  if (n > 0 && std::fwrite(data, 1, n, f) != n) throw Error(std::string("cannot write output: ") + std::strerror(errno));
}

void EmbeddingWriter::BeginRow(size_t width) {
  if (count_ == 0) dim_ = width;
  if (width != dim_) throw Error("embeddings of different dimensions in one output");
}

void EmbeddingWriter::WriteJsonRow(const std::string& values, int tokens, bool truncated) {
  std::string line;
  if (format_ == OutputFormat::kJson) line = count_ == 0 ? "[" : ",\n";
  line += "{\"embedding\": [" + values + "], \"tokens\": " + std::to_string(tokens) +
          ", \"truncated\": " + (truncated ? "true" : "false") + "}";
  if (format_ == OutputFormat::kJsonl) line += '\n';
  WriteAll(out_, line.data(), line.size());
}

void EmbeddingWriter::Write(const EmbedResult& r) {
  if (precision_ != Precision::kFloat32) throw Error("internal: float rows written to a quantised output");
  BeginRow(r.embedding.size());
  switch (format_) {
    case OutputFormat::kJsonl:
    case OutputFormat::kJson: {
      std::string values;
      for (size_t i = 0; i < r.embedding.size(); ++i) {
        if (i) values += ", ";
        AppendFloat(&values, r.embedding[i]);
      }
      WriteJsonRow(values, r.tokens, r.truncated);
      break;
    }
    case OutputFormat::kF32:
      // x86-64 and arm64 are little-endian, as the format promises.
      WriteAll(out_, r.embedding.data(), r.embedding.size() * sizeof(float));
      break;
    case OutputFormat::kNpy: {
      const auto* bytes = reinterpret_cast<const uint8_t*>(r.embedding.data());
      buffered_.insert(buffered_.end(), bytes, bytes + r.embedding.size() * sizeof(float));
      break;
    }
  }
  ++count_;
}

void EmbeddingWriter::WriteQuantized(std::span<const uint8_t> row, int tokens, bool truncated) {
  if (precision_ == Precision::kFloat32) throw Error("internal: quantised rows written to a float32 output");
  BeginRow(row.size());
  const bool is_signed = precision_ == Precision::kInt8 || precision_ == Precision::kBinary;
  switch (format_) {
    case OutputFormat::kJsonl:
    case OutputFormat::kJson: {
      std::string values;
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) values += ", ";
        values += std::to_string(is_signed ? int(static_cast<int8_t>(row[i])) : int(row[i]));
      }
      WriteJsonRow(values, tokens, truncated);
      break;
    }
    case OutputFormat::kF32:
      throw Error("internal: quantised rows written as f32");
    case OutputFormat::kNpy:
      buffered_.insert(buffered_.end(), row.begin(), row.end());
      break;
  }
  ++count_;
}

void EmbeddingWriter::Finish() {
  if (format_ == OutputFormat::kJson) {
    const std::string end = count_ == 0 ? "[]\n" : "]\n";
    WriteAll(out_, end.data(), end.size());
  } else if (format_ == OutputFormat::kNpy) {
    const char* descr = precision_ == Precision::kFloat32 ? "<f4"
                        : (precision_ == Precision::kInt8 || precision_ == Precision::kBinary) ? "|i1"
                                                                                              : "|u1";
    std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + std::to_string(count_) +
                         ", " + std::to_string(dim_) + "), }";
    // magic(6) + version(2) + len(2) + header, padded with spaces to a multiple of 64, ending in \n.
    const size_t total = ((10 + header.size() + 1 + 63) / 64) * 64;
    header.append(total - 10 - header.size() - 1, ' ');
    header += '\n';
    const uint16_t hlen = static_cast<uint16_t>(header.size());
    const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
    WriteAll(out_, magic, 8);
    const unsigned char len[2] = {static_cast<unsigned char>(hlen & 0xFF), static_cast<unsigned char>(hlen >> 8)};
    WriteAll(out_, len, 2);
    WriteAll(out_, header.data(), header.size());
    WriteAll(out_, buffered_.data(), buffered_.size());
  }
  if (std::fflush(out_) != 0) throw Error(std::string("cannot write output: ") + std::strerror(errno));
}

}  // namespace gembed::cli
