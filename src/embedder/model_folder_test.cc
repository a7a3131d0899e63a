// Loading the published folder layout, and clear errors for every way it can be wrong.
#include "embedder/model_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "base/error.h"
#include "fixtures.h"

namespace gembed {
namespace {

namespace fs = std::filesystem;
using namespace gembed::testing;

TEST(ModelFolder, LoadsTinyTextCompletely) {
  const ModelFolder m = ModelFolder::Load(ModelDir("tiny-text"));
  EXPECT_EQ(m.config.hidden_size, 32);
  EXPECT_EQ(m.weights_dtype, "BF16");
  ASSERT_EQ(m.dense.size(), 2u);
  EXPECT_EQ(m.dense[0].out_features, 128);
  EXPECT_EQ(m.output_dim(), 32);
  EXPECT_TRUE(m.normalize);
  EXPECT_EQ(m.max_seq_length, 2048);
  EXPECT_EQ(m.prompts.size(), 14u);
  EXPECT_EQ(m.prompts.at("document"), "title: none | text: ");
  EXPECT_FALSE(m.default_prompt_name.has_value());
  ASSERT_NE(m.tokenizer, nullptr);
}

// A writable copy of a fixture model that a test may break.
class BrokenFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir();
    fs::copy(ModelDir("tiny-a"), dir_, fs::copy_options::recursive);
    for (auto& e : fs::recursive_directory_iterator(dir_)) fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string P(const std::string& rel) const { return (dir_ / rel).string(); }
  void Edit(const std::string& rel, const std::string& from, const std::string& to) {
    std::ifstream in(P(rel));
    std::string s((std::istreambuf_iterator<char>(in)), {});
    const size_t at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    std::ofstream(P(rel), std::ios::trunc) << s;
  }
  void ExpectError(const std::string& fragment) {
    try {
      ModelFolder::Load(dir_.string());
      FAIL() << "loaded; expected an error containing: " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }
  fs::path dir_;
};

TEST_F(BrokenFolder, IntactCopyLoads) { EXPECT_EQ(ModelFolder::Load(dir_.string()).output_dim(), 64); }

TEST_F(BrokenFolder, MissingModulesJson) {
  fs::remove(P("modules.json"));
  ExpectError("missing file " + P("modules.json"));
}

TEST_F(BrokenFolder, MissingConfig) {
  fs::remove(P("config.json"));
  ExpectError("missing file " + P("config.json"));
}

TEST_F(BrokenFolder, MisnamedWeights) {
  fs::rename(P("model.safetensors"), P("model.safetensor"));
  ExpectError("expected model.safetensors or model.safetensors.index.json");
}

TEST_F(BrokenFolder, MissingDenseWeights) {
  fs::remove(P("3_Dense/model.safetensors"));
  ExpectError("no weights in " + P("3_Dense"));
}

TEST_F(BrokenFolder, ConfigInconsistentWithTensors) {
  Edit("config.json", "\"intermediate_size\": 128", "\"intermediate_size\": 96");
  ExpectError("tensor 'layers.0.mlp.gate_proj.weight' has shape [128, 64] but config.json implies [96, 64]");
}

TEST_F(BrokenFolder, MoreLayersInFileThanConfig) {
  Edit("config.json", "\"num_hidden_layers\": 6", "\"num_hidden_layers\": 5");
  Edit("config.json", "\"sliding_attention\",\n    \"full_attention\"", "\"full_attention\"");
  ExpectError("unexpected tensor 'layers.5.input_layernorm.weight' (config.json describes 5 layers");
}

TEST_F(BrokenFolder, TensorWithWrongDtype) {
  // Rename the dtype in the header to a same-size integer type: offsets stay valid.
  std::fstream f(P("model.safetensors"), std::ios::in | std::ios::out | std::ios::binary);
  std::string head(8000, '\0');
  f.read(head.data(), head.size());
  const size_t at = head.find("\"F32\"");
  ASSERT_NE(at, std::string::npos);
  f.seekp(static_cast<std::streamoff>(at));
  f.write("\"I32\"", 5);
  f.close();
  ExpectError("tensor 'embed_tokens.weight' has dtype I32; expected F32, BF16, F16, Q8_0, Q4_0 or Q6_K");
}

TEST_F(BrokenFolder, TruncatedWeights) {
  fs::resize_file(P("model.safetensors"), fs::file_size(P("model.safetensors")) - 100);
  ExpectError("runs past the data section");
}

TEST_F(BrokenFolder, DenseShapeMismatch) {
  Edit("2_Dense/config.json", "\"out_features\": 256", "\"out_features\": 255");
  ExpectError("tensor 'linear.weight' has shape [256, 64] but " + P("2_Dense") + "/config.json implies [255, 64]");
}

TEST_F(BrokenFolder, DenseChainMismatch) {
  Edit("modules.json", "\"path\": \"2_Dense\"", "\"path\": \"3_Dense\"");
  ExpectError("in_features 256 but the previous module gives 64");
}

TEST_F(BrokenFolder, UnsupportedPooling) {
  Edit("1_Pooling/config.json", "\"pooling_mode_cls_token\": false", "\"pooling_mode_cls_token\": true");
  ExpectError("pooling_mode_cls_token is not supported");
}

TEST_F(BrokenFolder, MalformedPromptsFile) {
  std::ofstream(P("config_sentence_transformers.json"), std::ios::trunc) << "{\"prompts\": [";
  ExpectError(P("config_sentence_transformers.json") + ": malformed JSON");
}

TEST_F(BrokenFolder, UnknownModuleType) {
  Edit("modules.json", "sentence_transformers.models.Normalize", "sentence_transformers.models.LayerNorm");
  ExpectError("module type 'sentence_transformers.models.LayerNorm' is not supported");
}

TEST_F(BrokenFolder, MissingNormalizeFolderIsFine) {
  ASSERT_FALSE(fs::exists(P("4_Normalize")));
  EXPECT_TRUE(ModelFolder::Load(dir_.string()).normalize);
}


// tiny-text's files linked into a temp folder, with a chosen tokenizer.json / config.
class TokenizerTemplate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir();
    LinkFolderExcept(ModelDir("tiny-text"), dir_, {"tokenizer.json", "tokenizer_config.json"});
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<int32_t> Template() {
    const ModelFolder m = ModelFolder::Load(dir_.string());
    std::vector<int32_t> t = m.tokenizer->prefix_ids();
    t.push_back(-1);  // where the text goes
    t.insert(t.end(), m.tokenizer->suffix_ids().begin(), m.tokenizer->suffix_ids().end());
    return t;
  }
  fs::path dir_;
  const std::string gemma3_ = SharedDir() + "/fixtures/tokenizer/gemma3/";
};

TEST_F(TokenizerTemplate, EmbeddingGemmaConfigAddsEosToGenericGemma3Tokenizer) {
  fs::create_symlink(gemma3_ + "tokenizer.json", dir_ / "tokenizer.json");  // post-processor "<bos> $A"
  EXPECT_EQ(Template(), (std::vector<int32_t>{2, -1}));                      // no config: the file's template
  fs::create_symlink(ModelDir("tiny-text") + "/tokenizer_config.json", dir_ / "tokenizer_config.json");
  EXPECT_EQ(Template(), (std::vector<int32_t>{2, -1, 1}));                   // add_eos_token: true
}

TEST_F(TokenizerTemplate, Gemma3InstructConfigHasNoEos) {
  fs::create_symlink(ModelDir("tiny-text") + "/tokenizer.json", dir_ / "tokenizer.json");  // "<bos> $A <eos>"
  fs::create_symlink(gemma3_ + "tokenizer_config.json", dir_ / "tokenizer_config.json");  // add_eos_token: false
  EXPECT_EQ(Template(), (std::vector<int32_t>{2, -1}));
}

}  // namespace
}  // namespace gembed
