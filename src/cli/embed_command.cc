// gembed embed: texts (arguments or JSONL) → embeddings (jsonl, json, f32 or npy), float32
// or quantised (--precision).
#include <cstdio>
#include <memory>
#include <optional>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/input_reader.h"
#include "cli/npy_reader.h"
#include "cli/output_writer.h"
#include "cli/precision_output.h"
#include "embedder/embedder.h"
#include "embedder/output_quantization.h"

namespace gembed::cli {

namespace {

// Inputs are embedded this many at a time, so output starts early and memory stays flat.
constexpr size_t kChunk = 256;

struct OutputFile {
  std::FILE* f = stdout;
  explicit OutputFile(const std::string& path) {
    if (path != "-") {
      f = std::fopen(path.c_str(), "wb");
      if (f == nullptr) throw Error("cannot open output file " + path);
    }
  }
  ~OutputFile() {
    if (f != stdout) std::fclose(f);
  }
};

// The int8/uint8 ranges of --calibration FILE.npy (nullopt without one).
std::optional<QuantizationRanges> CalibrationRanges(const EmbedArgs& args, Precision precision) {
  if (args.calibration.empty()) return std::nullopt;
  if (precision != Precision::kInt8 && precision != Precision::kUint8) {
    throw Error("--calibration sets int8/uint8 ranges; it does nothing for --precision " + args.precision);
  }
  const FloatMatrix m = ReadNpyFloatMatrix(args.calibration);
  if (m.rows == 0 || m.cols == 0) throw Error(args.calibration + ": no calibration embeddings (shape (" +
                                              std::to_string(m.rows) + ", " + std::to_string(m.cols) + "))");
  return RangesFrom(m.data.data(), m.rows, m.cols);
}

}  // namespace

int RunEmbed(const EmbedArgs& args) {
  if (!args.prompt.empty() && args.has_prompt_text) throw Error("give --prompt or --prompt-text, not both");
  if (args.input.empty() && args.texts.empty()) throw Error("nothing to embed: give TEXT arguments or --input FILE|-");
  if (!args.input.empty() && !args.texts.empty()) throw Error("give TEXT arguments or --input, not both");
  const OutputFormat format = ParseOutputFormat(args.format);
  const Precision precision = ParsePrecision(args.precision);
  if (format == OutputFormat::kF32 && precision != Precision::kFloat32) {
    throw Error("--format f32 writes float32; --precision " + args.precision + " needs --format jsonl, json or npy");
  }
  std::optional<QuantizationRanges> ranges = CalibrationRanges(args, precision);

  auto model = Embedder::Load(ResolveModelPath(args.model), {.threads = args.threads, .weights = args.weights, .activations = args.activations});
  EmbedOptions options;
  if (!args.prompt.empty()) options.prompt_name = args.prompt;
  if (args.has_prompt_text) options.prompt = args.prompt_text;
  options.dim = args.dim;
  options.strict = args.strict;
  options.batch_size = args.batch;
  options.normalize = !args.no_normalize;

  if (ranges) {
    const size_t dim = static_cast<size_t>(args.dim ? args.dim : model->output_dim());
    if (ranges->min.size() != dim) {
      throw Error(args.calibration + " holds " + std::to_string(ranges->min.size()) + "-dimensional embeddings, but this run's have " +
                  std::to_string(dim) + ": calibrate with the same --dim");
    }
  }

  OutputFile out(args.output);
  EmbeddingWriter writer(out.f, format, precision);
  PrecisionOutput sink(&writer, precision, std::move(ranges));
  if (!args.texts.empty()) {
    std::vector<EmbedInput> inputs;
    for (const std::string& t : args.texts) {
      EmbedInput in{.text = t};
      if (args.has_title) in.title = args.title;
      inputs.push_back(std::move(in));
    }
    std::vector<EmbedResult> results;
    try {
      results = model->Embed(inputs, options);
    } catch (const InputError& e) {
      throw Error("text argument " + std::to_string(e.index() + 1) + ": " + e.detail());
    }
    sink.Write(results);
  } else {
    JsonlReader reader(args.input);
    std::vector<InputLine> lines;
    while (reader.Next(kChunk, &lines)) {
      std::vector<EmbedInput> inputs;
      for (auto& l : lines) inputs.push_back(std::move(l.input));
      std::vector<EmbedResult> results;
      try {
        results = model->Embed(inputs, options);
      } catch (const InputError& e) {
        throw Error(reader.source() + " line " + std::to_string(lines[e.index()].line) + ": " + e.detail());
      }
      sink.Write(results);
      lines.clear();
    }
  }
  sink.Finish();
  return 0;
}

}  // namespace gembed::cli
