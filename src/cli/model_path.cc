// Where every subcommand finds its model: --model, else $GEMBED_MODEL.
#include <cstdlib>

#include "base/error.h"
#include "cli/commands.h"

namespace gembed::cli {

std::string ResolveModelPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("GEMBED_MODEL");
  if (env != nullptr && *env != '\0') return env;
  throw Error("no model: pass --model DIR or set GEMBED_MODEL");
}

}  // namespace gembed::cli
