#include "gguf_fuzz_target.h"

#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "io/gguf_file.h"
#include "model/gguf_model.h"
#include "tokenizer/gguf_vocab.h"

namespace gembed::fuzz {
namespace {

// Reads every metadata value through the getter its type calls for. Range errors (a u64
// that does not fit) are gembed::Error like any other refusal.
void ReadAllMetadata(const GgufFile& f) {
  for (const GgufKv& kv : f.kvs()) {
    try {
      switch (kv.type) {
        case GgufType::kF32:
        case GgufType::kF64: (void)f.GetF64(kv.key); break;
        case GgufType::kBool: (void)f.GetBool(kv.key); break;
        case GgufType::kString: (void)f.GetString(kv.key); break;
        case GgufType::kArray:
          switch (kv.elem_type) {
            case GgufType::kString: (void)f.GetStringArray(kv.key); break;
            case GgufType::kF32:
            case GgufType::kF64: (void)f.GetF64Array(kv.key); break;
            case GgufType::kBool: (void)f.GetBoolArray(kv.key); break;
            default: (void)f.GetI64Array(kv.key); break;
          }
          break;
        default: (void)f.GetI64(kv.key); break;
      }
    } catch (const Error&) {
    }
  }
}

}  // namespace

Outcome ExerciseGguf(const uint8_t* data, size_t size) {
  // An exact-size heap copy: under ASan any read past the end is reported.
  std::unique_ptr<GgufFile> f;
  try {
    f = GgufFile::FromBytes(std::vector<uint8_t>(data, data + size), "fuzz.gguf");
  } catch (const Error&) {
    return Outcome::kRefused;
  }
  ReadAllMetadata(*f);
  volatile uint8_t sink = 0;
  for (const GgufTensor& t : f->tensors()) {
    sink = sink + t.data[0] + t.data[t.nbytes - 1];  // first and last byte of every tensor
    (void)f->View(t);
  }
  Outcome outcome = Outcome::kParsed;
  try {
    (void)ReadGgufModel(*f);
    outcome = Outcome::kModel;
  } catch (const Error&) {
  }
  if (f->Has("tokenizer.ggml.model")) {
    try {
      const std::unique_ptr<Tokenizer> t = TokenizerFromGguf(*f);
      const std::vector<int32_t> ids = t->Encode("ab a  A<start_of_turn>\xC3\xA9 b");
      (void)t->Decode(ids);
      outcome = Outcome::kTokenizer;
    } catch (const Error&) {
    }
  }
  return outcome;
}

}  // namespace gembed::fuzz
