// The `gembed` subcommands, each a plain function over parsed arguments (main.cc owns the
// command-line parsing, so CLI11's templates compile in one file only).
#pragma once

#include <string>
#include <vector>

namespace gembed::cli {

// The model folder: --model, else $GEMBED_MODEL; throws gembed::Error when neither is set.
std::string ResolveModelPath(const std::string& flag);

struct EmbedArgs {
  std::string model;
  std::string prompt;       // --prompt NAME
  std::string prompt_text;  // --prompt-text STR ("" is a valid prompt: none at all)
  bool has_prompt_text = false;
  std::string title;        // --title STR: document form for TEXT arguments
  bool has_title = false;
  int dim = 0;
  int threads = 0;
  int batch = 32;
  bool strict = false;
  std::string input;        // --input FILE|-
  std::string format = "jsonl";
  std::string output = "-";
  std::vector<std::string> texts;
};
int RunEmbed(const EmbedArgs& args);

struct TokenizeArgs {
  std::string model;
  std::string tokenizer;
  bool no_special = false;
  std::string input;
  std::vector<std::string> texts;
};
int RunTokenize(const TokenizeArgs& args);

struct InfoArgs {
  std::string model;
  bool json = false;
};
int RunInfo(const InfoArgs& args);

}  // namespace gembed::cli
