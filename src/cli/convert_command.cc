// gembed convert / gembed quantize: a model folder or GGUF file → GGUF (embedder/gguf_export.h).
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "embedder/gguf_export.h"

namespace gembed::cli {

int RunConvert(const ConvertArgs& args) {
  const auto t0 = std::chrono::steady_clock::now();
  const GgufExportResult r = ExportGguf(ResolveModelPath(args.model), args.output, args.type);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "wrote %s (%s, %d tensors, %.1f MB) in %.1f s\n", args.output.c_str(), args.type.c_str(), r.tensors,
               r.bytes / 1e6, secs);
  return 0;
}

}  // namespace gembed::cli
