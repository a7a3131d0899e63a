// google/embeddinggemma-300m's task prompts, in the order of its
// config_sentence_transformers.json on the hub: what a model without its own prompts (a
// llama.cpp GGUF file) gets, and what `gembed init-random` writes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gembed {

inline const std::vector<std::pair<std::string, std::string>>& EmbeddingGemmaPrompts() {
  static const std::vector<std::pair<std::string, std::string>> prompts = {
      {"query", "task: search result | query: "},
      {"document", "title: none | text: "},
      {"BitextMining", "task: search result | query: "},
      {"Clustering", "task: clustering | query: "},
      {"Classification", "task: classification | query: "},
      {"InstructionRetrieval", "task: code retrieval | query: "},
      {"MultilabelClassification", "task: classification | query: "},
      {"PairClassification", "task: sentence similarity | query: "},
      {"Reranking", "task: search result | query: "},
      {"Retrieval", "task: search result | query: "},
      {"Retrieval-query", "task: search result | query: "},
      {"Retrieval-document", "title: none | text: "},
      {"STS", "task: sentence similarity | query: "},
      {"Summarization", "task: summarization | query: "},
  };
  return prompts;
}

}  // namespace gembed
