// gembed embed: texts (arguments or JSONL) → embeddings (jsonl, json, f32 or npy).
#include <cstdio>
#include <memory>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/input_reader.h"
#include "cli/output_writer.h"
#include "embedder/embedder.h"

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

}  // namespace

int RunEmbed(const EmbedArgs& args) {
  if (!args.prompt.empty() && args.has_prompt_text) throw Error("give --prompt or --prompt-text, not both");
  if (args.input.empty() && args.texts.empty()) throw Error("nothing to embed: give TEXT arguments or --input FILE|-");
  if (!args.input.empty() && !args.texts.empty()) throw Error("give TEXT arguments or --input, not both");
  const OutputFormat format = ParseOutputFormat(args.format);

  auto model = Embedder::Load(ResolveModelPath(args.model), {.threads = args.threads, .weights = args.weights, .activations = args.activations});
  EmbedOptions options;
  if (!args.prompt.empty()) options.prompt_name = args.prompt;
  if (args.has_prompt_text) options.prompt = args.prompt_text;
  options.dim = args.dim;
  options.strict = args.strict;
  options.batch_size = args.batch;

  OutputFile out(args.output);
  EmbeddingWriter writer(out.f, format);
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
    for (const auto& r : results) writer.Write(r);
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
      for (const auto& r : results) writer.Write(r);
      lines.clear();
    }
  }
  writer.Finish();
  return 0;
}

}  // namespace gembed::cli
