// Hugging Face Text Embeddings Inference's API (POST /embed, POST /tokenize).
#include "server/api_handlers.h"
#include "server/json_request.h"

namespace gembed::server {

using nlohmann::json;

namespace {

int Status(ErrorKind k) {
  switch (k) {
    case ErrorKind::kInvalid: return 422;
    case ErrorKind::kEmpty: return 400;
    case ErrorKind::kTooLarge: case ErrorKind::kTooLong: return 413;
    case ErrorKind::kUnauthorized: return 401;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kOverloaded: return 429;
    case ErrorKind::kUnavailable: return 503;
    case ErrorKind::kBackend: return 424;
  }
  return 424;
}

const char* Type(ErrorKind k) {
  switch (k) {
    case ErrorKind::kEmpty: return "Empty";
    case ErrorKind::kUnauthorized: return "Unauthorized";
    case ErrorKind::kNotFound: return "NotFound";
    case ErrorKind::kOverloaded: return "Overloaded";
    case ErrorKind::kUnavailable: return "Unhealthy";
    case ErrorKind::kBackend: return "Backend";
    default: return "Validation";
  }
}

bool BoolField(const json& request, const char* name, bool fallback) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw ApiError(ErrorKind::kInvalid, std::string("'") + name + "' must be true or false", name);
  return it->get<bool>();
}

std::optional<std::string> PromptName(const json& request) {
  auto it = request.find("prompt_name");
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw ApiError(ErrorKind::kInvalid, "'prompt_name' must be a string", "prompt_name");
  return it->get<std::string>();
}

json Field(const json& request, const char* name) {
  auto it = request.find(name);
  return it == request.end() ? json(nullptr) : *it;
}

}  // namespace

HttpReply TeiError(const ApiError& e) {
  return {Status(e.kind()), Dump(json{{"error", e.what()}, {"error_type", Type(e.kind())}})};
}

HttpReply TeiEmbed(const EmbeddingService& service, const std::string& body) {
  try {
    const json request = ParseBody(body);
    EmbedRequest r;
    r.inputs = Inputs(Field(request, "inputs"), "inputs");
    r.normalize = BoolField(request, "normalize", true);
    r.truncate = BoolField(request, "truncate", false);
    if (auto it = request.find("truncation_direction"); it != request.end() && !it->is_null()) {
      const std::string d = it->is_string() ? it->get<std::string>() : "";
      if (d == "Right" || d == "right") {
        r.truncate_left = false;
      } else if (d == "Left" || d == "left") {
        r.truncate_left = true;
      } else {
        throw ApiError(ErrorKind::kInvalid, "'truncation_direction' must be \"Right\" or \"Left\"", "truncation_direction");
      }
    }
    r.prompt_name = PromptName(request);
    r.dim = DimensionsField(request);
    r.precision = PrecisionField(request);
    const EmbedResponse out = service.Embed(r);
    json reply = json::array();
    for (size_t i = 0; i < r.inputs.size(); ++i) {
      reply.push_back(r.precision == Precision::kFloat32 ? json(out.vectors[i]) : PackedRow(out.packed[i], r.precision));
    }
    return {200, Dump(reply)};
  } catch (const ApiError& e) {
    return TeiError(e);
  }
}

HttpReply TeiTokenize(const EmbeddingService& service, const std::string& body) {
  try {
    const json request = ParseBody(body);
    const json inputs = Field(request, "inputs");
    std::vector<std::string> texts;
    if (inputs.is_string()) {
      texts.push_back(inputs.get<std::string>());
    } else if (inputs.is_array() && !inputs.empty()) {
      for (const json& t : inputs) {
        if (!t.is_string()) throw ApiError(ErrorKind::kInvalid, "'inputs' must be a string or an array of strings", "inputs");
        texts.push_back(t.get<std::string>());
      }
    } else if (inputs.is_array()) {
      throw ApiError(ErrorKind::kEmpty, "'inputs' is an empty array", "inputs");
    } else {
      throw ApiError(ErrorKind::kInvalid, "'inputs' must be a string or an array of strings", "inputs");
    }
    if (texts.size() > service.options().max_inputs) {
      throw ApiError(ErrorKind::kTooLarge, std::to_string(texts.size()) + " inputs; this server takes at most " +
                                               std::to_string(service.options().max_inputs) + " per request");
    }
    const bool special = BoolField(request, "add_special_tokens", true);
    const auto prompt_name = PromptName(request);
    json reply = json::array();
    for (const std::string& text : texts) {
      json tokens = json::array();
      for (const TokenInfo& t : service.Tokenize(text, prompt_name, special)) {
        tokens.push_back({{"id", t.id},
                          {"text", t.text},
                          {"special", t.special},
                          {"start", t.start ? json(*t.start) : json(nullptr)},
                          {"stop", t.stop ? json(*t.stop) : json(nullptr)}});
      }
      reply.push_back(std::move(tokens));
    }
    return {200, Dump(reply)};
  } catch (const ApiError& e) {
    return TeiError(e);
  }
}

}  // namespace gembed::server
