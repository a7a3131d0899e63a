// libFuzzer entry point (built with -DGEMBED_LIBFUZZER=ON and clang; see CMakeLists.txt).
// gembed::Error is the expected way to refuse an input; anything else aborts the run.
#include <cstddef>
#include <cstdint>

#include "gguf_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gembed::fuzz::ExerciseGguf(data, size);
  return 0;
}
