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
  c->add_option("--model", a.model, "Model folder (default: $GEMBED_MODEL)");
  auto* p = c->add_option("--prompt", a.prompt, "Named prompt from the model (query, document, STS, Clustering, …)");
  auto* pt = c->add_option("--prompt-text", a.prompt_text, "A raw prompt string put before every text")
                 ->each([&a](const std::string&) { a.has_prompt_text = true; });
  p->excludes(pt);
  c->add_option("--title", a.title, "Document form for TEXT arguments: \"title: TITLE | text: …\"")
      ->each([&a](const std::string&) { a.has_title = true; });
  c->add_option("--dim", a.dim, "Matryoshka output dimension (768, 512, 256, 128; default: full)")->check(CLI::Range(1, 1 << 20));
  c->add_option("--threads", a.threads, "Threads (default: all cores)")->check(CLI::Range(0, 1024));
  c->add_option("--batch", a.batch, "Texts per forward pass (default 32)")->check(CLI::Range(1, 1 << 16));
  c->add_flag("--strict", a.strict, "An input over the model's token limit is an error instead of being truncated");
  c->add_option("--input", a.input, "JSONL file of {\"text\", \"title\"?, \"prompt_name\"?, \"prompt\"?} or {\"ids\"} lines; - for stdin");
  c->add_option("--format", a.format, "Output: jsonl (default), json, f32 or npy")->check(CLI::IsMember({"jsonl", "json", "f32", "npy"}));
  c->add_option("-o,--output", a.output, "Output file (default: stdout)");
  c->add_option("texts", a.texts, "Texts to embed");
}

void AddTokenize(CLI::App& app, TokenizeArgs& a) {
  CLI::App* c = app.add_subcommand("tokenize", "Show token ids and pieces of texts");
  auto* m = c->add_option("--model", a.model, "Model folder (its tokenizer.json; default: $GEMBED_MODEL)");
  auto* t = c->add_option("--tokenizer", a.tokenizer, "A tokenizer.json file");
  m->excludes(t);
  c->add_flag("--no-special", a.no_special, "Leave out the template's special tokens (<bos>, <eos>)");
  c->add_option("--input", a.input, "JSONL file of {\"text\": …} lines; - for stdin");
  c->add_option("texts", a.texts, "Texts to tokenize");
}

void AddInfo(CLI::App& app, InfoArgs& a) {
  CLI::App* c = app.add_subcommand("info", "Describe a model folder");
  c->add_option("--model", a.model, "Model folder (default: $GEMBED_MODEL)");
  c->add_flag("--json", a.json, "Print JSON");
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
  AddEmbed(app, embed);
  AddTokenize(app, tokenize);
  AddInfo(app, info);
  try {
    app.parse(argc, argv);
    if (app.got_subcommand("embed")) return RunEmbed(embed);
    if (app.got_subcommand("tokenize")) return RunTokenize(tokenize);
    if (app.got_subcommand("info")) return RunInfo(info);
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
