#include "hub/hub_env.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gembed::hub {
namespace fs = std::filesystem;
namespace {

// An environment variable, or "" when unset or empty (huggingface_hub treats both alike).
std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string Trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// "~/x" → $HOME/x, as Python's os.path.expanduser does for these variables.
fs::path ExpandUser(const std::string& p) {
  if (p.rfind("~/", 0) == 0 || p == "~") return fs::path(Env("HOME")) / p.substr(std::min<size_t>(2, p.size()));
  return p;
}

}  // namespace

fs::path HfHome() {
  if (const std::string home = Env("HF_HOME"); !home.empty()) return ExpandUser(home);
  if (const std::string xdg = Env("XDG_CACHE_HOME"); !xdg.empty()) return ExpandUser(xdg) / "huggingface";
  return fs::path(Env("HOME")) / ".cache" / "huggingface";
}

fs::path HubCacheDir() {
  if (const std::string c = Env("HF_HUB_CACHE"); !c.empty()) return ExpandUser(c);
  if (const std::string c = Env("HUGGINGFACE_HUB_CACHE"); !c.empty()) return ExpandUser(c);
  return HfHome() / "hub";
}

std::string HubEndpoint() {
  std::string e = Trim(Env("HF_ENDPOINT"));
  if (e.empty()) e = "https://huggingface.co";
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

std::string HubToken(const std::string& flag) {
  if (std::string t = Trim(flag); !t.empty()) return t;
  if (std::string t = Trim(Env("HF_TOKEN")); !t.empty()) return t;
  if (std::string t = Trim(Env("HUGGING_FACE_HUB_TOKEN")); !t.empty()) return t;
  const std::string path_env = Env("HF_TOKEN_PATH");
  const fs::path path = path_env.empty() ? HfHome() / "token" : ExpandUser(path_env);
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return Trim(ss.str());
}

bool HubOffline() {
  std::string v = Trim(Env("HF_HUB_OFFLINE"));
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

}  // namespace gembed::hub
