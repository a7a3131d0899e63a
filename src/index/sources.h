// What `gembed index` reads: files found under the given paths, turned into source
// documents (a whole text/Markdown/source file, or one JSONL record), with notices for
// everything skipped. Which files count as text is listed in docs/collections.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gembed::index {

enum class SourceKind { kText, kMarkdown, kRecord, kFaq };

struct SourceDocument {
  std::string key;    // unique in a collection: the file's path, or "path#id" for a record
  std::string path;   // absolute file path
  SourceKind kind = SourceKind::kText;
  std::string title;  // the file name, or the record's title
  std::string text;   // the file's text, the record's text, or the FAQ question
  std::string answer;                 // FAQ only
  std::string metadata_json = "{}";   // a JSON object
  int first_line = 1;                 // where `text` starts in the file (a record: its line)
  bool whole_record_line = false;     // every chunk of a record spans only its own line
  int64_t mtime = 0;                  // of the file, seconds
  int64_t size = 0;                   // of the file, bytes
};

// Regular files under `paths` (directories walked recursively, skipping hidden folders,
// .git and build*/ node_modules/ __pycache__/ target/), sorted. In folders only files with
// a known text extension are taken; a file named explicitly is always tried. A path that
// does not exist is a gembed::Error. `notices` receives what was skipped and why.
// `unreadable_dirs` (optional) receives the absolute paths of folders that could not be
// listed: what is stored from under them must be kept, not taken for deleted.
std::vector<std::string> ListSourceFiles(const std::vector<std::string>& paths, std::vector<std::string>* notices,
                                         std::vector<std::string>* unreadable_dirs = nullptr);
bool HasTextExtension(std::string_view file_name);

// Reads one file. Binary files (a NUL byte or invalid UTF-8) and unreadable files give a
// notice and no documents. `.jsonl` files give one document per record — {"id"?, "title"?,
// "text", "metadata"?}, or with `faq` {"id"?, "question", "answer", "metadata"?}; a bad
// line is noticed as "FILE line N: what is wrong" and skipped, or thrown when `strict`.
// `failed` (optional) is set when the file should have given documents but could not be
// read at all or is not valid UTF-8 (text in another encoding, most likely): `gembed index`
// then keeps its documents already in a collection and counts it as skipped. A file with a
// NUL byte is taken for a real binary file (as git and grep do): a notice, not a failure.
std::vector<SourceDocument> ReadSourceFile(const std::string& path, bool faq, bool strict, std::vector<std::string>* notices,
                                           bool* failed = nullptr);

// Lower-case hex SHA-256 (OpenSSL).
std::string Sha256Hex(std::string_view data);

}  // namespace gembed::index
