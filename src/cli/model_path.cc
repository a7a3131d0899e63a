// Where every subcommand finds its model: --model, else $GEMBED_MODEL; either may be a path or
// a Hugging Face model id found in the local HF cache.
#include <cstdlib>

#include "base/error.h"
#include "cli/commands.h"
#include "hub/model_reference.h"

namespace gembed::cli {

std::string ResolveModelPath(const std::string& flag) {
  if (!flag.empty()) return hub::ResolveModelReference(flag);
  const char* env = std::getenv("GEMBED_MODEL");
  if (env != nullptr && *env != '\0') return hub::ResolveModelReference(env);
  throw Error("no model: pass --model DIR or set GEMBED_MODEL");
}

}  // namespace gembed::cli
