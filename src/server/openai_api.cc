// OpenAI's embeddings API (https://platform.openai.com/docs/api-reference/embeddings).
#include "server/api_handlers.h"
#include "server/json_request.h"

namespace gembed::server {

using nlohmann::json;

namespace {

int Status(ErrorKind k) {
  switch (k) {
    case ErrorKind::kInvalid: case ErrorKind::kEmpty: case ErrorKind::kTooLong: return 400;
    case ErrorKind::kUnauthorized: return 401;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kTooLarge: return 413;
    case ErrorKind::kOverloaded: case ErrorKind::kUnavailable: return 503;
    case ErrorKind::kBackend: return 500;
  }
  return 500;
}

const char* Code(ErrorKind k) {
  switch (k) {
    case ErrorKind::kTooLong: return "context_length_exceeded";
    case ErrorKind::kUnauthorized: return "invalid_api_key";
    case ErrorKind::kOverloaded: return "overloaded";
    case ErrorKind::kTooLarge: return "request_too_large";
    default: return nullptr;
  }
}

std::string StringField(const json& request, const char* name) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return "";
  if (!it->is_string()) throw ApiError(ErrorKind::kInvalid, std::string("'") + name + "' must be a string", name);
  return it->get<std::string>();
}

}  // namespace

HttpReply OpenAiError(const ApiError& e) {
  const int status = Status(e.kind());
  const char* code = Code(e.kind());
  json err = {{"message", e.what()},
              {"type", status >= 500 ? "server_error" : "invalid_request_error"},
              {"param", e.param().empty() ? json(nullptr) : json(e.param())},
              {"code", code ? json(code) : json(nullptr)}};
  return {status, Dump(json{{"error", err}})};
}

HttpReply OpenAiModels(const std::string& model_id) {
  json m = {{"id", model_id}, {"object", "model"}, {"created", 0}, {"owned_by", "gembed"}};
  return {200, Dump(json{{"object", "list"}, {"data", json::array({m})}})};
}

HttpReply OpenAiEmbeddings(const EmbeddingService& service, const std::string& model_id, const std::string& body) {
  try {
    const json request = ParseBody(body);
    EmbedRequest r;
    auto input = request.find("input");
    r.inputs = Inputs(input == request.end() ? json(nullptr) : *input, "input");
    // `model` is checked for type only: clients written for OpenAI send their own model
    // names, and this server has one model; the response names the one that answered.
    StringField(request, "model");
    StringField(request, "user");
    const std::string format = StringField(request, "encoding_format");
    if (!format.empty() && format != "float" && format != "base64") {
      throw ApiError(ErrorKind::kInvalid, "'encoding_format' must be \"float\" or \"base64\", got \"" + format + "\"",
                     "encoding_format");
    }
    const bool base64 = format == "base64";
    r.dim = DimensionsField(request);
    r.precision = PrecisionField(request);
    if (auto it = request.find("prompt_name"); it != request.end() && !it->is_null()) {
      if (!it->is_string()) throw ApiError(ErrorKind::kInvalid, "'prompt_name' must be a string", "prompt_name");
      r.prompt_name = it->get<std::string>();
    }
    r.truncate = false;  // OpenAI refuses over-long inputs
    const EmbedResponse out = service.Embed(r);

    json data = json::array();
    for (size_t i = 0; i < r.inputs.size(); ++i) {
      json e = {{"object", "embedding"}, {"index", i}};
      if (r.precision == Precision::kFloat32) {
        const auto& v = out.vectors[i];
        e["embedding"] = base64 ? json(Base64(v.data(), v.size() * sizeof(float))) : json(v);
      } else {
        const auto& row = out.packed[i];
        e["embedding"] = base64 ? json(Base64(row.data(), row.size())) : PackedRow(row, r.precision);
      }
      data.push_back(std::move(e));
    }
    json reply = {{"object", "list"},
                  {"data", std::move(data)},
                  {"model", model_id},
                  {"usage", {{"prompt_tokens", out.total_tokens}, {"total_tokens", out.total_tokens}}}};
    return {200, Dump(reply)};
  } catch (const ApiError& e) {
    return OpenAiError(e);
  }
}

}  // namespace gembed::server
