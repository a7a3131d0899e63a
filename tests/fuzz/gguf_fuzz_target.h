// One fuzz input through everything that reads GGUF: the container (io/gguf_file.h), every
// metadata getter, the tensor views, the EmbeddingGemma mapping (model/gguf_model.h) and the
// tokenizer built from the metadata (tokenizer/gguf_vocab.h). Shared by the deterministic
// GoogleTest fuzzer (gguf_fuzz.cc) and the libFuzzer target (gguf_libfuzzer.cc).
#pragma once

#include <cstddef>
#include <cstdint>

namespace gembed::fuzz {

// What happened, for the fuzzer's statistics.
enum class Outcome { kRefused, kParsed, kModel, kTokenizer };

// Returns how far the input got; throws only what the code under test throws besides
// gembed::Error (which it swallows): any such exception, or a crash, is a bug.
Outcome ExerciseGguf(const uint8_t* data, size_t size);

}  // namespace gembed::fuzz
