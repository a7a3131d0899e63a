#include "model/config.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "base/mapped_file.h"
#include "fixtures.h"

namespace gembed {
namespace {

TEST(ModelConfig, ReadsTinyA) {
  const std::string path = testing::ModelDir("tiny-a") + "/config.json";
  const ModelConfig c = ParseModelConfig(ReadTextFile(path), path);
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.num_layers, 6);
  EXPECT_EQ(c.num_heads, 4);
  EXPECT_EQ(c.num_kv_heads, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.window_radius(), 4);  // raw 8 → |i−j| ≤ 4
  ASSERT_EQ(c.layer_types.size(), 6u);
  EXPECT_EQ(c.layer_types[5], LayerType::kFull);
  EXPECT_EQ(c.layer_types[4], LayerType::kSliding);
}

TEST(ModelConfig, TinyBKeepsItsOddities) {
  const std::string path = testing::ModelDir("tiny-b") + "/config.json";
  const ModelConfig c = ParseModelConfig(ReadTextFile(path), path);
  EXPECT_EQ(c.query_pre_attn_scalar, 48);
  EXPECT_EQ(c.layer_types.back(), LayerType::kSliding);  // Gemma 3 does not force the last layer full
  EXPECT_EQ(c.rope_theta_full, 5e5);
  EXPECT_EQ(c.rope_theta_sliding, 2e4);
  EXPECT_EQ(c.window_radius(), 2);
}

TEST(ModelConfig, PatternWhenLayerTypesAbsentAndRopeParameters) {
  const ModelConfig c = ParseModelConfig(
      R"({"model_type":"gemma3_text","hidden_size":8,"num_hidden_layers":12,"num_attention_heads":2,
          "num_key_value_heads":1,"head_dim":4,"intermediate_size":16,"vocab_size":10,"sliding_window":512,
          "use_bidirectional_attention":true,
          "rope_parameters":{"full_attention":{"rope_type":"default","rope_theta":1000000.0},
                             "sliding_attention":{"rope_type":"default","rope_theta":10000.0}}})",
      "cfg");
  EXPECT_EQ(c.window_radius(), 256);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(c.layer_types[i], (i == 5 || i == 11) ? LayerType::kFull : LayerType::kSliding);
  EXPECT_EQ(c.rope_theta_full, 1e6);
  EXPECT_EQ(c.rope_theta_sliding, 1e4);
}

void ExpectConfigError(const std::string& json, const std::string& fragment) {
  try {
    ParseModelConfig(json, "x/config.json");
    FAIL() << "accepted " << json;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x/config.json"), std::string::npos) << e.what();
  }
}

TEST(ModelConfig, ErrorsNameTheKey) {
  const std::string base = R"("hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"head_dim":4,
      "intermediate_size":16,"vocab_size":10,"sliding_window":8,"use_bidirectional_attention":true)";
  ExpectConfigError("{", "malformed JSON");
  ExpectConfigError(R"({"model_type":"bert",)" + base + "}", "\"model_type\" is 'bert'");
  ExpectConfigError(R"({"model_type":"gemma3_text","hidden_size":8})", "\"num_hidden_layers\" is missing");
  ExpectConfigError(R"({"model_type":"gemma3_text",)" + base + R"(,"hidden_size":-3})", "");
  ExpectConfigError(R"({"model_type":"gemma3_text",)" + base + R"(,"use_bidirectional_attention":false})",
                    "\"use_bidirectional_attention\" must be true");
  ExpectConfigError(R"({"model_type":"gemma3_text",)" + base + R"(,"rope_scaling":{"type":"linear"}})", "\"rope_scaling\"");
  ExpectConfigError(R"({"model_type":"gemma3_text",)" + base + R"(,"num_key_value_heads":3})", "not a multiple");
  ExpectConfigError(R"({"model_type":"gemma3_text",)" + base + R"(,"layer_types":["sliding_attention","x"]})",
                    "\"layer_types\"");
}

}  // namespace
}  // namespace gembed
