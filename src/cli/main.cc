// gembed — EmbeddingGemma on the command line. The subcommands' contracts (flags, output
// shapes) are relied on by scripts: extend them, never break them.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "base/error.h"
#include "cli/commands.h"

namespace gembed::cli {
namespace {

void AddEmbed(CLI::App& app, EmbedArgs& a) {
  CLI::App* c = app.add_subcommand("embed", "Embed texts (arguments or JSONL) with a model folder");
  c->add_option("--model", a.model, "Model folder, GGUF file, or Hugging Face id org/name[@rev] pulled into the HF cache (default: $GEMBED_MODEL)");
  auto* p = c->add_option("--prompt", a.prompt, "Named prompt from the model (query, document, STS, Clustering, …)");
  auto* pt = c->add_option("--prompt-text", a.prompt_text, "A raw prompt string put before every text")
                 ->each([&a](const std::string&) { a.has_prompt_text = true; });
  p->excludes(pt);
  c->add_option("--title", a.title, "Document form for TEXT arguments: \"title: TITLE | text: …\"")
      ->each([&a](const std::string&) { a.has_title = true; });
  c->add_option("--dim", a.dim, "Matryoshka output dimension (768, 512, 256, 128; default: full)")->check(CLI::Range(1, 1 << 20));
  c->add_option("--threads", a.threads, "Threads (default: all cores)")->check(CLI::Range(0, 1024));
  c->add_option("--weights", a.weights, "Weight type to compute with: auto (as stored), f32, bf16, q8_0, q4_0, mixed")
      ->check(CLI::IsMember({"auto", "f32", "bf16", "q8_0", "q4_0", "mixed"}));
  c->add_option("--activations", a.activations,
                "Precision weights multiply activations in: auto (= high), f32 (closest to the f32 model), high (16-bit for q8_0/q4_0 on CPUs with int8 dot products, f32 otherwise), low (int8 for q8_0/q4_0, bf16 for bf16 weights: fastest)")
      ->check(CLI::IsMember({"auto", "f32", "high", "low"}));
  c->add_option("--batch", a.batch, "Texts per forward pass (default 32)")->check(CLI::Range(1, 1 << 16));
  c->add_flag("--strict", a.strict, "An input over the model's token limit is an error instead of being truncated");
  c->add_option("--input", a.input, "JSONL file of {\"text\", \"title\"?, \"prompt_name\"?, \"prompt\"?} or {\"ids\"} lines; - for stdin");
  c->add_option("--format", a.format, "Output: jsonl (default), json, f32 or npy")->check(CLI::IsMember({"jsonl", "json", "f32", "npy"}));
  c->add_option("-o,--output", a.output, "Output file (default: stdout)");
  c->add_option("--precision", a.precision,
                "Output precision: float32 (default), int8, uint8, binary or ubinary (sentence-transformers' quantize_embeddings)")
      ->check(CLI::IsMember({"float32", "int8", "uint8", "binary", "ubinary"}));
  c->add_option("--calibration", a.calibration,
                "int8/uint8: a .npy of float embeddings whose per-dimension min/max set the ranges (default: this run's embeddings)");
  c->add_flag("--no-normalize", a.no_normalize,
              "Output the vectors before the model's final Normalize module (TEI's normalize=false); --dim then truncates without re-normalising");
  c->add_option("texts", a.texts, "Texts to embed");
}

void AddTokenize(CLI::App& app, TokenizeArgs& a) {
  CLI::App* c = app.add_subcommand("tokenize", "Show token ids and pieces of texts");
  auto* m = c->add_option("--model", a.model, "Model folder (its tokenizer.json), GGUF file or cached Hugging Face id org/name (default: $GEMBED_MODEL)");
  auto* t = c->add_option("--tokenizer", a.tokenizer, "A tokenizer.json file");
  m->excludes(t);
  c->add_flag("--no-special", a.no_special, "Leave out the template's special tokens (<bos>, <eos>)");
  c->add_option("--input", a.input, "JSONL file of {\"text\": …} lines; - for stdin");
  c->add_option("texts", a.texts, "Texts to tokenize");
}

void AddInfo(CLI::App& app, InfoArgs& a) {
  CLI::App* c = app.add_subcommand("info", "Describe a model (folder or GGUF file)");
  c->add_option("--model", a.model, "Model folder, GGUF file or cached Hugging Face id org/name (default: $GEMBED_MODEL)");
  c->add_flag("--json", a.json, "Print JSON");
}

const std::vector<std::string> kGgufTypes = {"auto", "f32", "f16", "bf16", "q8_0", "q4_0", "mixed"};

void AddConvert(CLI::App& app, ConvertArgs& a) {
  CLI::App* c = app.add_subcommand("convert", "Write a model (folder or GGUF) as a GGUF file that llama.cpp and Ollama load");
  c->add_option("model", a.model, "Model folder or GGUF file")->required();
  c->add_option("output", a.output, "GGUF file to write")->required();
  c->add_option("--type", a.type, "Matrix type: auto (as stored, default), f32, f16, bf16, q8_0, q4_0, mixed")
      ->check(CLI::IsMember(kGgufTypes));
}

void AddQuantize(CLI::App& app, ConvertArgs& a) {
  CLI::App* c = app.add_subcommand("quantize", "Quantise a model ahead of time into a GGUF file (q8_0, q4_0, mixed, …)");
  c->add_option("model", a.model, "Model folder or GGUF file")->required();
  c->add_option("output", a.output, "GGUF file to write")->required();
  c->add_option("type", a.type, "q8_0, q4_0, mixed (int8 attention, int4 rest), bf16, f16 or f32")
      ->required()
      ->check(CLI::IsMember(kGgufTypes));
}

void AddInitRandom(CLI::App& app, InitRandomArgs& a) {
  CLI::App* c = app.add_subcommand("init-random", "Write a model folder with random weights in EmbeddingGemma's layout (tests, benchmarks)");
  c->add_option("dir", a.dir, "Folder to create (refused if it exists and is not empty, unless --force)")->required();
  c->add_option("--preset", a.preset, "full: EmbeddingGemma-300m's shape (default); tiny: a 32-wide, 6-layer encoder with the real vocabulary size")
      ->check(CLI::IsMember({"full", "tiny"}));
  c->add_option("--dtype", a.dtype, "Weight type stored: bf16 (default, as the hub's) or f32")->check(CLI::IsMember({"bf16", "f32"}));
  c->add_option("--seed", a.seed, "Seed of the random weights (default 300)");
  c->add_option("--tokenizer", a.tokenizer, "A tokenizer.json to copy (e.g. Gemma 3's; default: a synthetic one)");
  c->add_option("--threads", a.threads, "Generator threads (default: all cores)")->check(CLI::Range(0, 1024));
  c->add_flag("--force", a.force, "Replace DIR if it exists and is not empty");
}

void AddBench(CLI::App& app, BenchArgs& a) {
  CLI::App* c = app.add_subcommand("bench", "Measure load time, throughput, latency and memory per weight type");
  c->add_option("--model", a.model, "Model folder (default: $GEMBED_MODEL, else a full-size random model cached in ~/.cache/gembed)");
  c->add_option("--weights", a.weights, "Comma-separated weight types: auto, f32, bf16, q8_0, q4_0, mixed (default auto)")
      ->check(CLI::Validator([](std::string& s) { return CheckBenchWeights(s); }, "LIST", "weight types"));
  c->add_option("--threads", a.threads, "Threads (default: all cores)")->check(CLI::Range(0, 1024));
  c->add_option("--activations", a.activations, "Activation precision for every weight type: auto, f32, high, low (see embed --help)")
      ->check(CLI::IsMember({"auto", "f32", "high", "low"}));
  c->add_option("--runs", a.runs, "Timed runs of the batch and document parts (default 3; 1 with --quick)")->check(CLI::Range(1, 100000));
  c->add_flag("--json", a.json, "Print one JSON object per weight type (JSON Lines)");
  c->add_option("--only", a.only, "Parts to run: batch, query, doc (comma-separated; default all)")
      ->check(CLI::Validator([](std::string& s) { return CheckBenchParts(s); }, "LIST", "parts"));
  c->add_flag("--quick", a.quick, "Small workloads (8 x 32-token batch, 10 queries, 256-token doc) for smoke tests");
  c->add_option("--worker", a.worker, "internal: measure one weight type in this process")->group("");
}

void AddIndex(CLI::App& app, IndexArgs& a) {
  CLI::App* c = app.add_subcommand("index", "Add files (text, Markdown, source, JSONL records) to a collection: one SQLite file");
  c->add_option("--db", a.db, "Collection file (created when missing)")->required();
  c->add_option("--model", a.model, "Model folder (default: the one the collection was built with, else $GEMBED_MODEL)");
  c->add_option("paths", a.paths, "Files and folders (folders are walked; see docs/collections.md)")->required();
  c->add_flag("--faq", a.faq, "JSONL question/answer records ({\"question\", \"answer\", \"id\"?, \"metadata\"?}): search returns answers");
  c->add_option("--dim", a.dim, "New collection: Matryoshka dimension of the stored vectors (default: the model's)")->check(CLI::Range(1, 1 << 20));
  c->add_option("--storage", a.storage, "New collection: vector storage f32 (default), int8 or binary")->check(CLI::IsMember({"f32", "int8", "binary"}));
  c->add_option("--chunk-tokens", a.chunk_tokens, "Tokens per chunk (default 256)")
      ->check(CLI::Range(8, 1 << 20))
      ->each([&a](const std::string&) { a.chunking_given = true; });
  c->add_option("--overlap", a.overlap, "Tokens shared by consecutive chunks (default 32)")
      ->check(CLI::Range(0, 1 << 20))
      ->each([&a](const std::string&) { a.chunking_given = true; });
  c->add_option("--query-prompt", a.query_prompt, "New collection: prompt name for queries (default query; STS with --faq)");
  c->add_option("--ann-threshold", a.ann_threshold, "Build an ANN (HNSW) index from this many chunks on (default 20000; 0 = always)")
      ->check(CLI::Range(0LL, 1LL << 40));
  c->add_flag("--strict", a.strict,
              "A bad JSONL line, an unreadable file or a document that cannot be embedded stops the run (default: notice, skip; "
              "skipped documents make the exit status 1)");
  c->add_option("--threads", a.threads, "Threads (default: all cores)")->check(CLI::Range(0, 1024));
  c->add_option("--weights", a.weights, "Weight type to compute with: auto, f32, bf16, q8_0, q4_0, mixed")
      ->check(CLI::IsMember({"auto", "f32", "bf16", "q8_0", "q4_0", "mixed"}));
  c->add_option("--batch", a.batch, "Chunks embedded and committed together (default 64)")->check(CLI::Range(1, 1 << 16));
  c->add_flag("-v,--verbose", a.verbose, "Print \"indexed KEY\" on stdout for each document once it is committed");
  c->add_flag("-q,--quiet", a.quiet, "No progress line and no summary");
}

void AddSearch(CLI::App& app, SearchArgs& a) {
  CLI::App* c = app.add_subcommand("search", "Search a collection: ranked chunks with score, file and line range");
  c->add_option("--db", a.db, "Collection file")->required();
  c->add_option("--model", a.model, "Model folder (default: the one the collection was built with)");
  c->add_option("query", a.query, "What to look for")->required();
  c->add_option("-k,--top", a.k, "Results (default 10)")->check(CLI::Range(1, 1 << 20));
  c->add_flag("--json", a.json, "Print {\"results\": [{score, id, title, text, path, lines, metadata}…]}");
  c->add_flag("--exact", a.exact, "Score every vector (default below the ANN threshold)");
  c->add_flag("--ann", a.ann, "Use the stored ANN index (error if there is none)");
  c->add_flag("--hybrid", a.hybrid, "Fuse vector and BM25 (FTS5) rankings by reciprocal rank");
  c->add_option("--where", a.where, "Metadata filter KEY=VALUE (repeatable; all must match)");
  c->add_option("--path", a.path, "Only documents whose path matches this glob (relative globs match any folder)");
  c->add_option("--prompt", a.prompt, "Query prompt name (default: the collection's)");
  c->add_option("--ef", a.ef, "ANN candidate list size (recall vs speed)")->check(CLI::Range(0, 1 << 20));
  c->add_option("--threads", a.threads, "Threads (default: all cores)")->check(CLI::Range(0, 1024));
  c->add_option("--weights", a.weights, "Weight type to compute with: auto, f32, bf16, q8_0, q4_0, mixed")
      ->check(CLI::IsMember({"auto", "f32", "bf16", "q8_0", "q4_0", "mixed"}));
}

void AddPull(CLI::App& app, PullArgs& a) {
  CLI::App* c = app.add_subcommand("pull", "Download a model from the Hugging Face hub into the HF cache; prints its folder");
  c->add_option("repo", a.repo, "ORG/NAME[@REVISION] (branch, tag or commit; default main), e.g. google/embeddinggemma-300m")->required();
  c->add_option("--token", a.token, "Hugging Face token for gated or private models (default: $HF_TOKEN, else $HF_HOME/token)");
  auto* inc = c->add_option("--include", a.include, "Only files matching this glob (e.g. '*Q8_0.gguf'; repeat for more); replaces the default selection")
                  ->expected(1)
                  ->allow_extra_args(false)
                  ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);  // one glob per --include, so REPO after it stays REPO
  auto* all = c->add_flag("--all", a.all, "Every file, including formats gembed does not read (ONNX, PyTorch .bin, …)");
  inc->excludes(all);
  c->add_flag("-q,--quiet", a.quiet, "No progress on stderr");
}

// Options every task command (similar, cluster, classify, dedup) shares.
void AddTaskOptions(CLI::App* c, TaskArgs& a, bool json = true) {
  c->add_option("--model", a.model, "Model folder or GGUF file (default: $GEMBED_MODEL)");
  auto* p = c->add_option("--prompt", a.prompt, "Named prompt from the model instead of the task's (STS, Clustering, document, …)");
  auto* pt = c->add_option("--prompt-text", a.prompt_text, "A raw prompt string instead of the task's (\"\" for none)")
                 ->each([&a](const std::string&) { a.has_prompt_text = true; });
  p->excludes(pt);
  auto* in = c->add_option("--input", a.input, "JSONL file of {\"text\", \"id\"?, \"title\"?, \"label\"?} lines; - for stdin");
  auto* lines = c->add_option("--lines", a.lines, "Text file, one item a line; - for stdin");
  in->excludes(lines);
  c->add_flag("--skip-bad", a.skip_bad, "Leave out bad input lines (with a notice) instead of stopping");
  c->add_option("--dim", a.dim, "Matryoshka dimension (768, 512, 256, 128; default: full)")->check(CLI::Range(1, 1 << 20));
  c->add_option("--threads", a.threads, "Threads (default: all cores)")->check(CLI::Range(0, 1024));
  c->add_option("--weights", a.weights, "Weight type to compute with: auto (as stored), f32, bf16, q8_0, q4_0, mixed")
      ->check(CLI::IsMember({"auto", "f32", "bf16", "q8_0", "q4_0", "mixed"}));
  c->add_option("--batch", a.batch, "Texts per forward pass (default 32)")->check(CLI::Range(1, 1 << 16));
  c->add_flag("--strict", a.strict, "An input over the model's token limit is an error instead of being truncated");
  if (json) c->add_flag("--json", a.json, "Machine-readable output (see docs/tasks.md)");
  c->add_option("texts", a.texts, "Texts (instead of --input/--lines)");
}

void AddSimilar(CLI::App& app, SimilarArgs& a) {
  CLI::App* c = app.add_subcommand("similar", "Each item's most similar items, or the most similar pairs (prompt: STS)");
  AddTaskOptions(c, a.task);
  c->add_option("-k,--top-k", a.top_k, "Neighbours per item (default 5)")->check(CLI::Range(1, 1 << 20));
  c->add_option("--pairs", a.pairs, "Show the N most similar pairs instead")->check(CLI::Range(1, 1 << 24));
}

void AddCluster(CLI::App& app, ClusterArgs& a) {
  CLI::App* c = app.add_subcommand("cluster", "Group items with k-means++ on cosine (prompt: Clustering)");
  AddTaskOptions(c, a.task);
  c->add_option("--k", a.k, "Number of clusters (default: chosen by silhouette over --k-min..--k-max)")->check(CLI::Range(1, 1 << 20));
  c->add_option("--k-min", a.k_min, "Smallest k tried (default 2)")->check(CLI::Range(2, 1 << 20));
  c->add_option("--k-max", a.k_max, "Largest k tried (default 10)")->check(CLI::Range(2, 1 << 20));
  c->add_option("--n-init", a.n_init, "k-means++ restarts; the best is kept (default 4)")->check(CLI::Range(1, 1000));
  c->add_option("--max-iter", a.max_iter, "Iterations per restart (default 100)")->check(CLI::Range(1, 100000));
  c->add_option("--seed", a.seed, "Random seed (default 42): same seed, same clusters");
  c->add_option("--show", a.show, "Central texts shown per cluster (default 3)")->check(CLI::Range(0, 1 << 20));
}

void AddClassify(CLI::App& app, ClassifyTrainArgs& t, ClassifyPredictArgs& p) {
  CLI::App* c = app.add_subcommand("classify", "Train or apply a logistic-regression classifier on embeddings (prompt: Classification)");
  c->require_subcommand(1);
  CLI::App* train = c->add_subcommand("train", "Train on labelled JSONL, report held-out accuracy, save the classifier");
  AddTaskOptions(train, t.task);
  train->add_option("-o,--output", t.output, "Classifier file to write (JSON)")->required();
  train->add_option("--test-fraction", t.test_fraction, "Share of each label held out for the accuracy report (default 0.2)")
      ->check(CLI::Range(0.0, 0.99));
  train->add_option("--seed", t.seed, "Seed of the held-out split (default 42)");
  train->add_option("--l2", t.l2, "L2 penalty on the weights (default 0.001)")->check(CLI::Range(0.0, 1e6));
  train->add_option("--max-iter", t.max_iter, "L-BFGS iterations at most (default 500)")->check(CLI::Range(1, 100000));
  CLI::App* predict = c->add_subcommand("predict", "Label items with a saved classifier (JSONL out)");
  AddTaskOptions(predict, p.task, false);
  predict->add_option("--classifier", p.classifier, "Classifier file from classify train")->required();
  predict->add_flag("--all", p.all, "Also print every label's probability");
}

void AddDedup(CLI::App& app, DedupArgs& a) {
  CLI::App* c = app.add_subcommand("dedup", "Groups of near-duplicate items above a cosine threshold (prompt: STS)");
  AddTaskOptions(c, a.task);
  c->add_option("--threshold", a.threshold, "Cosine at or above which two items are duplicates (default 0.9)")->check(CLI::Range(-1.0, 1.0));
}

void AddServe(CLI::App& app, ServeArgs& a) {
  CLI::App* c = app.add_subcommand("serve", "HTTP server: OpenAI /v1/embeddings and TEI /embed, /tokenize, /info, /health, /metrics");
  c->add_option("--model", a.model, "Model folder or GGUF file (default: $GEMBED_MODEL)");
  c->add_option("--host", a.host, "Address to listen on (default 127.0.0.1)");
  c->add_option("--port", a.port, "Port (default 8080; 0 = any free port, printed)")->check(CLI::Range(0, 65535));
  c->add_option("--api-key", a.api_key, "Require \"Authorization: Bearer KEY\" (default: $GEMBED_API_KEY; none = open)");
  c->add_option("--model-id", a.model_id, "Model name reported to clients (default: the model path)");
  c->add_option("--threads", a.threads, "Compute threads (default: all cores)")->check(CLI::Range(0, 1024));
  c->add_option("--weights", a.weights, "Weight type to compute with: auto (as stored), f32, bf16, q8_0, q4_0, mixed")
      ->check(CLI::IsMember({"auto", "f32", "bf16", "q8_0", "q4_0", "mixed"}));
  c->add_option("--max-batch-tokens", a.max_batch_tokens, "Token budget of one merged batch (default 8192)")->check(CLI::Range(1, 1 << 24));
  c->add_option("--max-queue", a.max_queue, "Requests waiting for a batch before 503/429 (default 32)")->check(CLI::Range(1, 1 << 20));
  c->add_option("--max-body-bytes", a.max_body_bytes, "Largest request body (default 2097152)")->check(CLI::Range(1, 1 << 30));
  c->add_option("--max-inputs", a.max_inputs, "Inputs per request (default 2048)")->check(CLI::Range(1, 1 << 20));
  c->add_option("--http-threads", a.http_threads, "Connections served at once (default 64)")->check(CLI::Range(1, 4096));
  c->add_option("--int8-range", a.int8_range, "int8/uint8 precision quantises each dimension over [-R, R] (default 1.0)")
      ->check(CLI::PositiveNumber);
  c->add_option("--collection", a.collections,
                "Serve a collection as NAME=PATH.db under /collections/NAME (repeatable; a missing file is created)");
}

}  // namespace
}  // namespace gembed::cli

int main(int argc, char** argv) {
  using namespace gembed::cli;
  CLI::App app{"gembed — EmbeddingGemma text embeddings on the CPU"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gembed 0.1.0");
  EmbedArgs embed;
  TokenizeArgs tokenize;
  InfoArgs info;
  InitRandomArgs init_random;
  BenchArgs bench;
  ConvertArgs convert, quantize;
  IndexArgs index;
  SearchArgs search;
  PullArgs pull;
  SimilarArgs similar;
  ClusterArgs cluster;
  ClassifyTrainArgs classify_train;
  ClassifyPredictArgs classify_predict;
  DedupArgs dedup;
  ServeArgs serve;
  AddEmbed(app, embed);
  AddTokenize(app, tokenize);
  AddInfo(app, info);
  AddInitRandom(app, init_random);
  AddBench(app, bench);
  AddConvert(app, convert);
  AddQuantize(app, quantize);
  AddIndex(app, index);
  AddSearch(app, search);
  AddPull(app, pull);
  AddSimilar(app, similar);
  AddCluster(app, cluster);
  AddClassify(app, classify_train, classify_predict);
  AddDedup(app, dedup);
  AddServe(app, serve);
  try {
    app.parse(argc, argv);
    if (app.got_subcommand("embed")) return RunEmbed(embed);
    if (app.got_subcommand("tokenize")) return RunTokenize(tokenize);
    if (app.got_subcommand("info")) return RunInfo(info);
    if (app.got_subcommand("init-random")) return RunInitRandom(init_random);
    if (app.got_subcommand("bench")) return RunBench(bench);
    if (app.got_subcommand("convert")) return RunConvert(convert);
    if (app.got_subcommand("quantize")) return RunConvert(quantize);
    if (app.got_subcommand("index")) return RunIndex(index);
    if (app.got_subcommand("search")) return RunSearch(search);
    if (app.got_subcommand("pull")) return RunPull(pull);
    if (app.got_subcommand("similar")) return RunSimilar(similar);
    if (app.got_subcommand("cluster")) return RunCluster(cluster);
    if (app.got_subcommand("classify")) {
      return app.get_subcommand("classify")->got_subcommand("train") ? RunClassifyTrain(classify_train) : RunClassifyPredict(classify_predict);
    }
    if (app.got_subcommand("dedup")) return RunDedup(dedup);
    if (app.got_subcommand("serve")) return RunServe(serve);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const gembed::Error& e) {
    std::fprintf(stderr, "gembed: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "gembed: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gembed: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
