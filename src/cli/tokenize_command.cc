// gembed tokenize: text → {"ids": […], "pieces": […]} per input, one JSON line each.
#include <cstdio>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/input_reader.h"
#include "cli/output_writer.h"
#include "embedder/model_folder.h"
#include "tokenizer/tokenizer.h"

namespace gembed::cli {

int RunTokenize(const TokenizeArgs& args) {
  if (!args.model.empty() && !args.tokenizer.empty()) throw Error("give --model or --tokenizer, not both");
  if (args.input.empty() && args.texts.empty()) throw Error("nothing to tokenize: give TEXT arguments or --input FILE|-");
  if (!args.input.empty() && !args.texts.empty()) throw Error("give TEXT arguments or --input, not both");
  // A model (folder or GGUF) gives its tokenizer exactly as `embed` uses it.
  const auto tok = args.tokenizer.empty() ? LoadModelTokenizer(ResolveModelPath(args.model)) : Tokenizer::FromFile(args.tokenizer);

  auto emit = [&](const std::string& text, const std::string& where) {
    std::vector<int32_t> ids;
    try {
      ids = tok->Encode(text);
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    if (!args.no_special) {
      std::vector<int32_t> all(tok->prefix_ids());
      all.insert(all.end(), ids.begin(), ids.end());
      all.insert(all.end(), tok->suffix_ids().begin(), tok->suffix_ids().end());
      ids = std::move(all);
    }
    std::string line = "{\"ids\": [";
    for (size_t i = 0; i < ids.size(); ++i) line += (i ? ", " : "") + std::to_string(ids[i]);
    line += "], \"pieces\": [";
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) line += ", ";
      AppendJsonString(&line, tok->Piece(ids[i]));
    }
    line += "]}\n";
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) throw Error("cannot write output");
  };

  if (!args.texts.empty()) {
    for (size_t i = 0; i < args.texts.size(); ++i) emit(args.texts[i], "text argument " + std::to_string(i + 1));
  } else {
    JsonlReader reader(args.input);
    std::vector<InputLine> lines;
    while (reader.Next(256, &lines)) {
      for (const auto& l : lines) {
        const std::string where = reader.source() + " line " + std::to_string(l.line);
        if (l.input.ids) throw Error(where + ": \"ids\" lines cannot be tokenized; give \"text\"");
        emit(l.input.text, where);
      }
      lines.clear();
    }
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace gembed::cli
