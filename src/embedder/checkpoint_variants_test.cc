// The same model stored the other ways the hub allows: sharded with an index, and in F16.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "embedder/embedder.h"
#include "fixtures.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"

namespace gembed {
namespace {

namespace fs = std::filesystem;
using namespace gembed::testing;

class CheckpointVariant : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir();
    LinkFolderExcept(ModelDir("tiny-a"), dir_, {"model.safetensors"});  // the test writes the weights
    source_ = std::make_unique<SafeTensorsFile>(ModelDir("tiny-a") + "/model.safetensors");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static TensorToWrite Copy(const TensorView& t) {
    return {t.name, t.dtype_name, t.shape, std::vector<uint8_t>(t.data, t.data + t.nbytes)};
  }

  std::vector<std::vector<float>> EmbedCases(const std::string& dir) {
    const auto m = Embedder::Load(dir, {.threads = 2});
    std::vector<EmbedInput> in;
    const nlohmann::json exp = LoadExpected("tiny-a");
    for (const auto& c : exp["cases"]) in.push_back({.ids = c["input_ids"].get<std::vector<int32_t>>()});
    std::vector<std::vector<float>> out;
    for (auto& r : m->Embed(in)) out.push_back(std::move(r.embedding));
    return out;
  }

  fs::path dir_;
  std::unique_ptr<SafeTensorsFile> source_;
};

TEST_F(CheckpointVariant, ShardedIndexGivesIdenticalEmbeddings) {
  std::vector<TensorToWrite> a, b;
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  for (const TensorView& t : source_->tensors()) {
    const bool first = t.name.rfind("layers.", 0) != 0 || t.name < "layers.3";
    (first ? a : b).push_back(Copy(t));
    index["weight_map"][t.name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  WriteSafeTensors((dir_ / "model-00001-of-00002.safetensors").string(), a);
  WriteSafeTensors((dir_ / "model-00002-of-00002.safetensors").string(), b);
  std::ofstream(dir_ / "model.safetensors.index.json") << index.dump(2);
  EXPECT_EQ(EmbedCases(dir_.string()), EmbedCases(ModelDir("tiny-a")));
}

TEST_F(CheckpointVariant, Float16WeightsStayClose) {
  std::vector<TensorToWrite> out;
  for (const TensorView& t : source_->tensors()) {
    ASSERT_EQ(t.dtype, DType::kF32);
    TensorToWrite w{t.name, "F16", t.shape, std::vector<uint8_t>(t.nbytes / 2)};
    const std::vector<float> f = ToF32(t);
    for (size_t i = 0; i < f.size(); ++i) {
      const _Float16 h = static_cast<_Float16>(f[i]);  // round to nearest even
      std::memcpy(&w.bytes[2 * i], &h, 2);
    }
    out.push_back(std::move(w));
  }
  WriteSafeTensors((dir_ / "model.safetensors").string(), out);
  const auto got = EmbedCases(dir_.string());
  const nlohmann::json cases = LoadExpected("tiny-a")["cases"];
  ASSERT_EQ(got.size(), cases.size());
  for (size_t i = 0; i < got.size(); ++i) {
    // f16 weights carry ~11 bits: close to, not equal to, the f32 reference.
    EXPECT_GE(Cosine(got[i], Floats(cases[i]["embedding"])), 0.9999) << i;
  }
}

}  // namespace
}  // namespace gembed
