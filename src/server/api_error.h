// Errors of the HTTP APIs, by kind; each API (OpenAI, TEI) maps a kind to its own status
// code and error body (see openai_api.cc, tei_api.cc).
#pragma once

#include <stdexcept>
#include <string>

namespace gembed::server {

enum class ErrorKind {
  kInvalid,       // malformed JSON, wrong types, bad values, unknown prompt name
  kEmpty,         // no inputs
  kTooLarge,      // body size, inputs per request
  kTooLong,       // an input over the model's token limit without truncation
  kUnauthorized,  // missing or wrong API key
  kNotFound,      // unknown route
  kOverloaded,    // the batch queue is full
  kUnavailable,   // shutting down
  kBackend,       // the model failed
};

class ApiError : public std::runtime_error {
 public:
  ApiError(ErrorKind kind, const std::string& message, std::string param = "")
      : std::runtime_error(message), kind_(kind), param_(std::move(param)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& param() const { return param_; }  // the request field at fault, if known

 private:
  ErrorKind kind_;
  std::string param_;
};

}  // namespace gembed::server
