// The `gembed` subcommands, each a plain function over parsed arguments (main.cc owns the
// command-line parsing, so CLI11's templates compile in one file only).
#pragma once

#include <string>
#include <vector>

namespace gembed::cli {

// The model folder: --model, else $GEMBED_MODEL; throws gembed::Error when neither is set.
// A Hugging Face model id (org/name[@revision]) that is not a path resolves to its snapshot
// in the local HF cache (hub/model_reference.h).
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
  std::string activations = "auto";  // auto | f32 | low (EmbedderOptions::activations)
  int batch = 32;
  bool strict = false;
  std::string input;        // --input FILE|-
  std::string format = "jsonl";
  std::string output = "-";
  std::vector<std::string> texts;
  std::string precision = "float32";  // --precision: float32, int8, uint8, binary, ubinary
  std::string calibration;            // --calibration FILE.npy: int8/uint8 ranges from these embeddings
  bool no_normalize = false;          // --no-normalize: the vectors before the model's Normalize module
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
  std::string activations = "auto";    // auto | f32 | low, for every type
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

// gembed index --db FILE [--model M] PATH…  (collections: docs/collections.md)
struct IndexArgs {
  std::string db;
  std::string model;           // default: the collection's recorded model, else $GEMBED_MODEL
  std::vector<std::string> paths;
  bool faq = false;            // question/answer JSONL records
  int dim = 0;                 // new collections: Matryoshka dimension (0 = the model's)
  std::string storage = "f32"; // new collections: f32, int8, binary
  int chunk_tokens = 256;
  int overlap = 32;
  bool chunking_given = false; // --chunk-tokens/--overlap passed (changes an existing collection)
  std::string query_prompt;    // new collections: the prompt queries get ("" = query, or STS for --faq)
  long long ann_threshold = -1;  // -1 = keep/default (20000)
  bool strict = false;
  int threads = 0;
  std::string weights = "auto";
  int batch = 64;              // chunks per transaction
  bool verbose = false;        // a line per document once it is committed
  bool quiet = false;
};
int RunIndex(const IndexArgs& args);

// gembed search --db FILE [--model M] [-k N] [--json] QUERY
struct SearchArgs {
  std::string db;
  std::string model;
  std::string query;
  int k = 10;
  bool json = false;
  bool exact = false;
  bool ann = false;
  bool hybrid = false;
  std::vector<std::string> where;  // key=value
  std::string path;                // glob
  std::string prompt;              // query prompt name override
  int ef = 0;
  int threads = 0;
  std::string weights = "auto";
};
int RunSearch(const SearchArgs& args);
// gembed pull REPO[@REVISION] [--token T] [--include GLOB…] [--all] [--quiet]
struct PullArgs {
  std::string repo;                  // org/name[@revision]
  std::string token;                 // else $HF_TOKEN, else $HF_HOME/token
  std::vector<std::string> include;  // only files matching these globs
  bool all = false;                  // every file, even formats gembed does not read
  bool quiet = false;                // no progress on stderr
};
int RunPull(const PullArgs& args);
// What the task commands (similar, cluster, classify, dedup) share: the model, the prompt,
// and where the items come from (see docs/tasks.md).
struct TaskArgs {
  std::string model;
  std::string prompt;       // --prompt NAME (default: the task's prompt from the model card)
  std::string prompt_text;  // --prompt-text STR
  bool has_prompt_text = false;
  int dim = 0;
  int threads = 0;
  std::string weights = "auto";
  int batch = 32;
  bool strict = false;
  std::string input;        // --input FILE|- (JSONL)
  std::string lines;        // --lines FILE|- (one item a line)
  std::vector<std::string> texts;
  bool skip_bad = false;
  bool json = false;
};

struct SimilarArgs {
  TaskArgs task;
  int top_k = 5;   // --top-k: neighbours per item
  int pairs = 0;   // --pairs N: the N most similar pairs instead
};
int RunSimilar(const SimilarArgs& args);

struct ClusterArgs {
  TaskArgs task;
  int k = 0;       // 0: choose by silhouette over [k_min, k_max]
  int k_min = 2;
  int k_max = 10;
  int n_init = 4;
  int max_iter = 100;
  unsigned long long seed = 42;
  int show = 3;    // central texts shown per cluster
};
int RunCluster(const ClusterArgs& args);

struct ClassifyTrainArgs {
  TaskArgs task;
  std::string output;           // -o/--output: the classifier file to write
  double test_fraction = 0.2;
  unsigned long long seed = 42;
  double l2 = 1e-3;
  int max_iter = 500;
};
int RunClassifyTrain(const ClassifyTrainArgs& args);

struct ClassifyPredictArgs {
  TaskArgs task;
  std::string classifier;       // --classifier FILE
  bool all = false;             // every label's probability, not only the best
};
int RunClassifyPredict(const ClassifyPredictArgs& args);

struct DedupArgs {
  TaskArgs task;
  double threshold = 0.9;
};
int RunDedup(const DedupArgs& args);
// gembed serve: OpenAI- and TEI-compatible HTTP server (docs/server.md).
struct ServeArgs {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 8080;                   // 0 = any free port (printed)
  std::string api_key;               // else $GEMBED_API_KEY; "" = open
  std::string model_id;              // name reported to clients (default: the model path)
  int threads = 0;
  std::string weights = "auto";
  size_t max_batch_tokens = 8192;
  size_t max_queue = 32;
  size_t max_body_bytes = 2u << 20;
  size_t max_inputs = 2048;
  int http_threads = 64;
  double int8_range = 1.0;
  std::vector<std::string> collections;  // NAME=PATH.db, served under /collections/NAME
};
int RunServe(const ServeArgs& args);

}  // namespace gembed::cli
