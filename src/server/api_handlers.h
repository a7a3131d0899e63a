// The JSON APIs over EmbeddingService, independent of the HTTP library: each takes a request
// body and returns a status and body (errors included, shaped as the mimicked API shapes them).
#pragma once

#include <string>

#include "server/api_error.h"
#include "server/embedding_service.h"

namespace gembed::server {

struct HttpReply {
  int status = 200;
  std::string body;
};

// OpenAI: POST /v1/embeddings; error bodies {"error": {"message", "type", "param", "code"}}.
HttpReply OpenAiEmbeddings(const EmbeddingService& service, const std::string& model_id, const std::string& body);
HttpReply OpenAiModels(const std::string& model_id);
HttpReply OpenAiError(const ApiError& e);

// Text Embeddings Inference: POST /embed, POST /tokenize; error bodies {"error", "error_type"}.
HttpReply TeiEmbed(const EmbeddingService& service, const std::string& body);
HttpReply TeiTokenize(const EmbeddingService& service, const std::string& body);
HttpReply TeiError(const ApiError& e);

// Little-endian bytes as standard base64 (RFC 4648, with padding).
std::string Base64(const void* data, size_t size);

}  // namespace gembed::server
