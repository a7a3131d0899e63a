#include "index/sources.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/utf8.h"

namespace gembed::index {
namespace fs = std::filesystem;
namespace {

const std::set<std::string, std::less<>> kTextExtensions = {
    ".txt", ".text", ".md", ".markdown", ".mdx", ".rst", ".adoc", ".org", ".tex", ".jsonl",
    ".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".inl", ".cu", ".py", ".pyi",
    ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rs", ".java", ".kt", ".scala",
    ".swift", ".m", ".mm", ".cs", ".rb", ".php", ".pl", ".lua", ".r", ".jl", ".hs", ".ml",
    ".sh", ".bash", ".zsh", ".fish", ".ps1", ".sql", ".html", ".htm", ".css", ".scss",
    ".xml", ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".cmake", ".proto",
    ".csv", ".tsv"};
const std::set<std::string, std::less<>> kTextNames = {"README", "LICENSE", "Makefile", "Dockerfile",
                                                      "CMakeLists.txt", "NOTICE", "AUTHORS", "CHANGELOG"};
const std::set<std::string, std::less<>> kSkippedDirs = {".git", "node_modules", "__pycache__", "target",
                                                        "venv", ".venv"};

bool IsMarkdown(std::string_view ext) { return ext == ".md" || ext == ".markdown" || ext == ".mdx"; }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool SkippedDir(const std::string& name) {
  return (name.size() > 1 && name[0] == '.') || kSkippedDirs.count(name) || name.rfind("build", 0) == 0;
}

std::string Absolute(const std::string& p) { return fs::absolute(fs::path(p)).lexically_normal().string(); }

std::string JsonValueText(const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

}  // namespace

bool HasTextExtension(std::string_view file_name) {
  const fs::path p(file_name);
  const std::string name = p.filename().string();
  if (kTextNames.count(name)) return true;
  return kTextExtensions.count(Lower(p.extension().string())) > 0;
}

std::vector<std::string> ListSourceFiles(const std::vector<std::string>& paths, std::vector<std::string>* notices,
                                         std::vector<std::string>* unreadable_dirs) {
  std::set<std::string> files;
  auto unreadable = [&](const fs::path& dir, const std::error_code& ec) {
    notices->push_back(dir.string() + ": cannot read directory: " + ec.message() + "; skipped (what is stored from it is kept)");
    if (unreadable_dirs) unreadable_dirs->push_back(Absolute(dir.string()));
  };
  for (const std::string& given : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(given, ec);
    if (ec || !fs::exists(st)) throw Error(given + ": no such file or directory");
    if (fs::is_regular_file(st)) {
      files.insert(Absolute(given));
      continue;
    }
    if (!fs::is_directory(st)) {
      notices->push_back(given + ": not a regular file or directory, skipped");
      continue;
    }
    // No skip_permission_denied: a folder that cannot be listed must be reported (its stored
    // documents would otherwise look deleted). Each folder is opened once before the walk
    // enters it, so one unreadable folder does not end the walk.
    fs::recursive_directory_iterator it(given, ec), end;
    if (ec) {
      unreadable(given, ec);
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) {  // the walk cannot go on: keep everything under the given folder
        unreadable(given, ec);
        break;
      }
      const std::string name = it->path().filename().string();
      if (it->is_directory(ec)) {
        if (SkippedDir(name)) {
          it.disable_recursion_pending();
          continue;
        }
        std::error_code open_ec;
        const fs::directory_iterator probe(it->path(), open_ec);
        if (open_ec) {
          unreadable(it->path(), open_ec);
          it.disable_recursion_pending();
        }
        continue;
      }
      if (!it->is_regular_file(ec) || name.empty() || name[0] == '.') continue;
      if (HasTextExtension(name)) files.insert(Absolute(it->path().string()));
    }
  }
  return {files.begin(), files.end()};
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) throw Error("SHA-256 failed");
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += {kHex[md[i] >> 4], kHex[md[i] & 15]};
  return out;
}

std::vector<SourceDocument> ReadSourceFile(const std::string& path, bool faq, bool strict, std::vector<std::string>* notices,
                                           bool* failed) {
  if (failed) *failed = false;
  struct stat st {};
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in || ::stat(path.c_str(), &st) != 0) {
      const std::string msg = path + ": cannot read: " + std::strerror(errno);
      if (strict) throw Error(msg);
      notices->push_back(msg + ", skipped");
      if (failed) *failed = true;
      return {};
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
      const std::string msg = path + ": read error";
      if (strict) throw Error(msg);
      notices->push_back(msg + ", skipped");
      if (failed) *failed = true;
      return {};
    }
    content = std::move(ss).str();
  }
  const size_t nul = content.find('\0');
  const size_t bad = nul != std::string::npos ? nul : FindInvalidUtf8(content);
  if (bad != std::string::npos) {
    notices->push_back(path + ": binary file (" + (nul != std::string::npos ? "NUL byte" : "invalid UTF-8") +
                       " at byte " + std::to_string(bad) + "), skipped");
    if (failed && nul == std::string::npos) *failed = true;
    return {};
  }
  const fs::path p(path);
  const std::string ext = Lower(p.extension().string());
  SourceDocument base;
  base.path = path;
  base.mtime = st.st_mtime;
  base.size = st.st_size;
  base.title = p.filename().string();

  if (ext != ".jsonl" && !faq) {
    base.key = path;
    base.kind = IsMarkdown(ext) ? SourceKind::kMarkdown : SourceKind::kText;
    base.text = std::move(content);
    if (PyStrip(base.text).empty()) {
      notices->push_back(path + ": empty, nothing to index");
      return {};
    }
    return {std::move(base)};
  }

  std::vector<SourceDocument> docs;
  std::set<std::string> seen_ids;
  size_t line_no = 0;
  std::istringstream lines(content);
  std::string line;
  while (std::getline(lines, line)) {
    ++line_no;
    if (PyStrip(line).empty()) continue;
    const std::string where = path + " line " + std::to_string(line_no);
    try {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        throw Error("not valid JSON (syntax error at byte " + std::to_string(e.byte) + ")");
      }
      if (!j.is_object()) throw Error("expected a JSON object");
      SourceDocument d = base;
      d.first_line = static_cast<int>(line_no);
      d.whole_record_line = true;
      auto text_field = [&](const char* name, bool required) -> std::string {
        auto f = j.find(name);
        if (f == j.end() || f->is_null()) {
          if (required) throw Error(std::string("missing \"") + name + "\"");
          return {};
        }
        if (!f->is_string()) throw Error(std::string("\"") + name + "\" must be a string");
        return f->get<std::string>();
      };
      std::string id = line_no ? "line" + std::to_string(line_no) : "";
      if (auto f = j.find("id"); f != j.end() && !f->is_null()) {
        if (!f->is_string() && !f->is_number_integer()) throw Error("\"id\" must be a string or an integer");
        id = JsonValueText(*f);
      }
      if (!seen_ids.insert(id).second) throw Error("duplicate id \"" + id + "\"");
      if (auto f = j.find("metadata"); f != j.end() && !f->is_null()) {
        if (!f->is_object()) throw Error("\"metadata\" must be a JSON object");
        d.metadata_json = f->dump();
      }
      if (faq) {
        d.kind = SourceKind::kFaq;
        d.text = text_field("question", true);
        d.answer = text_field("answer", true);
        const std::string title = text_field("title", false);
        d.title = title.empty() ? d.text : title;
      } else {
        d.kind = SourceKind::kRecord;
        d.text = text_field("text", true);
        const std::string title = text_field("title", false);
        if (!title.empty()) d.title = title;
      }
      if (PyStrip(d.text).empty()) throw Error(faq ? "empty \"question\"" : "empty \"text\"");
      d.key = path + "#" + id;
      docs.push_back(std::move(d));
    } catch (const Error& e) {
      if (strict) throw Error(where + ": " + e.what());
      notices->push_back(where + ": " + e.what() + ", skipped");
    }
  }
  return docs;
}

}  // namespace gembed::index
