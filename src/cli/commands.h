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
  std::string weights = "auto";
  int batch = 32;
  bool strict = false;
  std::string input;        // --input FILE|-
  std::string format = "jsonl";
  std::string output = "-";
  std::vector<std::string> texts;
  std::string precision = "float32";  // --precision: float32, int8, uint8, binary, ubinary
  std::string calibration;            // --calibration FILE.npy: int8/uint8 ranges from these embeddings
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

// gembed convert MODEL OUT.gguf [--type T]  and  gembed quantize MODEL OUT.gguf TYPE
struct ConvertArgs {
  std::string model;   // folder or GGUF
  std::string output;  // .gguf
  std::string type = "auto";
};
int RunConvert(const ConvertArgs& args);

struct InitRandomArgs {
  std::string dir;
  std::string preset = "full";  // full | tiny
  std::string dtype = "bf16";   // bf16 | f32
  unsigned long long seed = 300;
  std::string tokenizer;        // a tokenizer.json to copy (default: a synthetic one)
  int threads = 0;
  bool force = false;
};
int RunInitRandom(const InitRandomArgs& args);

struct BenchArgs {
  std::string model;                   // --model, else $GEMBED_MODEL, else the cached full-size random model
  std::string weights = "auto";        // comma-separated weight types
  int threads = 0;
  int runs = 0;                        // 0 = the default (3; 1 with --quick)
  bool json = false;
  std::string only = "batch,query,doc";
  bool quick = false;
  std::string worker;                  // hidden: measure this one weight type in this process
};
int RunBench(const BenchArgs& args);
// The weight types `bench --weights` accepts, and the check of a comma-separated list
// ("" when valid, else the message).
const std::vector<std::string>& BenchWeightTypes();
std::string CheckBenchWeights(const std::string& list);
std::string CheckBenchParts(const std::string& list);

}  // namespace gembed::cli
