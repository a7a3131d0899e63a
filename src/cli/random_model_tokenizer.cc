// The synthetic tokenizer.json and EmbeddingGemma's tokenizer_config.json of random model
// folders (see random_model.h).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/random_model.h"

namespace gembed::cli {
namespace {

constexpr const char* kWordStart = "\xE2\x96\x81";  // "▁", what the normalizer makes of " "

void AppendQuoted(std::string* out, const std::string& s) {
  out->push_back('"');
  for (const char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

std::string SyntheticTokenizerJson(int vocab_size) {
  if (vocab_size < 1024) throw Error("a synthetic tokenizer needs a vocabulary of at least 1024 ids, not " + std::to_string(vocab_size));
  std::vector<std::string> pieces = {"<pad>", "<eos>", "<bos>", "<unk>"};
  pieces.reserve(vocab_size);
  for (int b = 0; b < 256; ++b) {  // byte fallback: <0x00> … <0xFF> at ids 4 … 259
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    pieces.emplace_back(name);
  }
  const int word_start_id = static_cast<int>(pieces.size());
  pieces.emplace_back(kWordStart);
  const int first_char_id = static_cast<int>(pieces.size());
  for (char c = 0x21; c <= 0x7E; ++c) pieces.emplace_back(1, c);
  std::vector<int> letters;
  for (char c = 'a'; c <= 'z'; ++c) letters.push_back(first_char_id + (c - 0x21));

  // Filler pieces, level by level: "▁" or a letter, then each further level appends one
  // letter to every piece of the level before (merge: previous piece + letter). The last
  // level that does not fit whole is sampled evenly, so every letter stays represented.
  std::vector<std::pair<int, int>> merges;
  std::vector<int> level = letters;
  level.insert(level.begin(), word_start_id);
  while (static_cast<int>(pieces.size()) < vocab_size) {
    const size_t total = level.size() * letters.size();
    const size_t wanted = std::min(total, static_cast<size_t>(vocab_size) - pieces.size());
    std::vector<int> next;
    next.reserve(wanted);
    for (size_t i = 0; i < total; ++i) {
      if ((i + 1) * wanted / total == i * wanted / total) continue;  // not among the `wanted` spread evenly
      const int left = level[i / letters.size()], right = letters[i % letters.size()];
      next.push_back(static_cast<int>(pieces.size()));
      pieces.push_back(pieces[left] + pieces[right]);
      merges.emplace_back(left, right);
    }
    level = std::move(next);
  }

  std::string out;
  out.reserve(static_cast<size_t>(vocab_size) * 40);
  out += R"({"version":"1.0","truncation":null,"padding":null,"added_tokens":[)";
  for (int id = 0; id < 4; ++id) {
    if (id > 0) out += ',';
    out += "{\"id\":" + std::to_string(id) + ",\"content\":";
    AppendQuoted(&out, pieces[id]);
    out += R"(,"single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true})";
  }
  out += "],";
  out += R"("normalizer":{"type":"Replace","pattern":{"String":" "},"content":")" + std::string(kWordStart) + "\"},";
  out += R"("pre_tokenizer":{"type":"Split","pattern":{"String":" "},"behavior":"MergedWithPrevious","invert":false},)";
  out += R"("post_processor":{"type":"TemplateProcessing",)"
         R"("single":[{"SpecialToken":{"id":"<bos>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"<eos>","type_id":0}}],)"
         R"("pair":[{"SpecialToken":{"id":"<bos>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"<eos>","type_id":0}},)"
         R"({"SpecialToken":{"id":"<bos>","type_id":1}},{"Sequence":{"id":"B","type_id":1}},{"SpecialToken":{"id":"<eos>","type_id":1}}],)"
         R"("special_tokens":{"<bos>":{"id":"<bos>","ids":[2],"tokens":["<bos>"]},"<eos>":{"id":"<eos>","ids":[1],"tokens":["<eos>"]}}},)";
  out += R"("decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":")" + std::string(kWordStart) +
         R"("},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"}]},)";
  out += R"("model":{"type":"BPE","dropout":null,"unk_token":"<unk>","continuing_subword_prefix":null,)"
         R"("end_of_word_suffix":null,"fuse_unk":true,"byte_fallback":true,"ignore_merges":false,"vocab":{)";
  for (size_t id = 0; id < pieces.size(); ++id) {
    if (id > 0) out += ',';
    AppendQuoted(&out, pieces[id]);
    out += ':';
    out += std::to_string(id);
  }
  out += "},\"merges\":[";
  for (size_t i = 0; i < merges.size(); ++i) {
    if (i > 0) out += ',';
    out += '[';
    AppendQuoted(&out, pieces[merges[i].first]);
    out += ',';
    AppendQuoted(&out, pieces[merges[i].second]);
    out += ']';
  }
  out += "]}}\n";
  return out;
}

std::string EmbeddingGemmaTokenizerConfigJson() {
  nlohmann::ordered_json decoder;
  const char* specials[] = {"<pad>", "<eos>", "<bos>", "<unk>"};
  for (int id = 0; id < 4; ++id) {
    decoder[std::to_string(id)] = {{"content", specials[id]}, {"lstrip", false}, {"normalized", false},
                                   {"rstrip", false},         {"single_word", false}, {"special", true}};
  }
  const nlohmann::ordered_json j = {
      {"add_bos_token", true},
      {"add_eos_token", true},
      {"added_tokens_decoder", decoder},
      {"bos_token", "<bos>"},
      {"clean_up_tokenization_spaces", false},
      {"eos_token", "<eos>"},
      {"model_max_length", 2048},
      {"pad_token", "<pad>"},
      {"padding_side", "right"},
      {"sp_model_kwargs", nullptr},
      {"spaces_between_special_tokens", false},
      {"tokenizer_class", "GemmaTokenizer"},
      {"unk_token", "<unk>"},
      {"use_default_system_prompt", false},
  };
  return j.dump(2) + "\n";
}

std::string EmbeddingGemmaSpecialTokensMapJson() {
  nlohmann::ordered_json j;
  for (const auto& [key, content] : {std::pair{"bos_token", "<bos>"}, {"eos_token", "<eos>"}, {"pad_token", "<pad>"}, {"unk_token", "<unk>"}}) {
    j[key] = {{"content", content}, {"lstrip", false}, {"normalized", false}, {"rstrip", false}, {"single_word", false}};
  }
  return j.dump(2) + "\n";
}

}  // namespace gembed::cli
