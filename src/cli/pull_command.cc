// gembed pull REPO[@REVISION]: downloads a model from the Hugging Face hub into the HF cache
// and prints its snapshot folder on stdout (progress and notices go to stderr), so that
// `gembed embed --model "$(gembed pull org/name)"` works.
#include <cstdio>

#include "cli/commands.h"
#include "hub/model_reference.h"
#include "hub/pull.h"

namespace gembed::cli {

int RunPull(const PullArgs& args) {
  const auto progress = hub::MakeStderrProgress(args.quiet);
  hub::PullOptions options{.reference = args.repo, .token = args.token, .files = {.include = args.include, .all = args.all}, .progress = progress.get()};
  const hub::PullResult r = hub::Pull(options);
  if (!args.quiet && !r.from_cache) {
    std::fprintf(stderr, "gembed: %s at %s: %d file%s downloaded (%s), %d already cached\n", args.repo.c_str(), r.commit.substr(0, 12).c_str(),
                 r.files_downloaded, r.files_downloaded == 1 ? "" : "s", hub::HumanSize(r.bytes_downloaded).c_str(), r.files_cached);
  }
  // What --model would resolve to: the snapshot folder, or its single GGUF file.
  std::printf("%s\n", hub::ModelPathInSnapshot(r.snapshot.string()).c_str());
  return 0;
}

}  // namespace gembed::cli
