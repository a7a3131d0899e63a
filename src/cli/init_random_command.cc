// gembed init-random: a model folder with random weights in EmbeddingGemma's layout.
#include <cstdio>

#include "cli/commands.h"
#include "cli/random_model.h"

namespace gembed::cli {

int RunInitRandom(const InitRandomArgs& args) {
  RandomModelOptions o;
  o.preset = args.preset;
  o.dtype = args.dtype;
  o.seed = args.seed;
  o.tokenizer = args.tokenizer;
  o.threads = args.threads;
  const RandomModelReport r = CreateRandomModel(args.dir, o, args.force);
  std::printf("wrote %s (preset %s, %s, seed %llu, %lld parameters, tokenizer %s) in %.1f s\n", r.dir.c_str(), o.preset.c_str(),
              o.dtype.c_str(), static_cast<unsigned long long>(o.seed), r.parameters,
              o.tokenizer.empty() ? "synthetic" : o.tokenizer.c_str(), r.seconds);
  for (const WrittenFile& f : r.files) std::printf("  %-36s %10s\n", f.name.c_str(), HumanBytes(f.bytes).c_str());
  std::printf("  %-36s %10s\n", "total", HumanBytes(r.total_bytes).c_str());
  return 0;
}

}  // namespace gembed::cli
