// Test support: paths into ../shared and loading of the fixtures' expected outputs.
// A missing fixture is a test failure (the loaders throw), never a silent skip.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"

namespace gembed::testing {

inline std::string SharedDir() { return GEMBED_SHARED_DIR; }
inline std::string ModelDir(const std::string& name) { return SharedDir() + "/fixtures/models/" + name; }

// Parsed <model>.expected.json; throws (failing the test) when absent.
inline nlohmann::json LoadExpected(const std::string& model) {
  const std::string path = SharedDir() + "/fixtures/models/" + model + ".expected.json";
  return nlohmann::json::parse(ReadTextFile(path));
}

inline std::vector<float> Floats(const nlohmann::json& j) { return j.get<std::vector<float>>(); }

inline double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

inline double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
  return ab / std::sqrt(aa * bb);
}

// A fresh, empty folder in the temp directory, named after the running test and process
// (tests of one binary may run in parallel processes under CTest). The caller removes it.
inline std::filesystem::path FreshTempDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "gembed_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Writes `content` to `p` (binary), creating its folders.
inline void WriteFile(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// Symlinks every entry of `from` into `to`, except the names in `except`: a fixture model
// with some files swapped out, without copying the rest.
inline void LinkFolderExcept(const std::string& from, const std::filesystem::path& to, const std::set<std::string>& except) {
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    if (!except.count(e.path().filename().string())) std::filesystem::create_symlink(e.path(), to / e.path().filename());
  }
}

// Tolerances from shared/fixtures/README.md for an f32 engine.
constexpr double kEmbeddingTol = 1e-5;
constexpr double kEmbeddingCos = 0.99999;
constexpr double kHiddenTol = 5e-5;

}  // namespace gembed::testing
