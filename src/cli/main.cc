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
  c->add_option("--batch", a.batch, "Texts per forward pass (default 32)")->check(CLI::Range(1, 1 << 16));
  c->add_flag("--strict", a.strict, "An input over the model's token limit is an error instead of being truncated");
  c->add_option("--input", a.input, "JSONL file of {\"text\", \"title\"?, \"prompt_name\"?, \"prompt\"?} or {\"ids\"} lines; - for stdin");
  c->add_option("--format", a.format, "Output: jsonl (default), json, f32 or npy")->check(CLI::IsMember({"jsonl", "json", "f32", "npy"}));
  c->add_option("-o,--output", a.output, "Output file (default: stdout)");
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
  c->add_option("--runs", a.runs, "Timed runs of the batch and document parts (default 3; 1 with --quick)")->check(CLI::Range(1, 100000));
  c->add_flag("--json", a.json, "Print one JSON object per weight type (JSON Lines)");
  c->add_option("--only", a.only, "Parts to run: batch, query, doc (comma-separated; default all)")
      ->check(CLI::Validator([](std::string& s) { return CheckBenchParts(s); }, "LIST", "parts"));
  c->add_flag("--quick", a.quick, "Small workloads (8 x 32-token batch, 10 queries, 256-token doc) for smoke tests");
  c->add_option("--worker", a.worker, "internal: measure one weight type in this process")->group("");
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
  PullArgs pull;
  AddEmbed(app, embed);
  AddTokenize(app, tokenize);
  AddInfo(app, info);
  AddInitRandom(app, init_random);
  AddBench(app, bench);
  AddConvert(app, convert);
  AddQuantize(app, quantize);
  AddPull(app, pull);
  try {
    app.parse(argc, argv);
    if (app.got_subcommand("embed")) return RunEmbed(embed);
    if (app.got_subcommand("tokenize")) return RunTokenize(tokenize);
    if (app.got_subcommand("info")) return RunInfo(info);
    if (app.got_subcommand("init-random")) return RunInitRandom(init_random);
    if (app.got_subcommand("bench")) return RunBench(bench);
    if (app.got_subcommand("convert")) return RunConvert(convert);
    if (app.got_subcommand("quantize")) return RunConvert(quantize);
    if (app.got_subcommand("pull")) return RunPull(pull);
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
