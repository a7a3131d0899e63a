#include "model/gguf_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/mapped_file.h"
#include "fixtures.h"
#include "io/gguf_file.h"
#include "io/gguf_writer.h"
#include "io/safetensors.h"
#include "model/config.h"

namespace gembed {
namespace {

ModelConfig JsonConfig(const std::string& model) {
  const std::string path = testing::ModelDir(model) + "/config.json";
  return ParseModelConfig(ReadTextFile(path), path);
}

std::vector<uint8_t> Bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// A fixture model converted to GGUF the way llama.cpp's converter does it: GGUF names,
// norm weights + 1, F32, the Dense layers when `dense`.
struct Converted {
  GgufModelInfo info;
  std::vector<uint8_t> bytes;
};

Converted Convert(const std::string& model, bool dense,
                  const std::function<void(GgufModelInfo&, GgufWriter&)>& tweak = nullptr) {
  const std::string dir = testing::ModelDir(model);
  const auto store = TensorStore::Open(dir);
  Converted out;
  out.info.config = JsonConfig(model);
  out.info.name = model;
  if (dense) {
    SafeTensorsFile d2(dir + "/2_Dense/model.safetensors");
    out.info.has_dense = true;
    out.info.dense_hidden = static_cast<int>(d2.Find("linear.weight")->shape[0]);
  }
  out.info.prompts = {{"query", "task: search result | query: "}, {"document", "title: none | text: "}};
  GgufWriter w;
  if (tweak) tweak(out.info, w);
  WriteGgufModelMetadata(out.info, &w);
  for (const GgufTensorSpec& spec : ExpectedGgufTensors(out.info.config, out.info.dense_hidden)) {
    const std::string hf = GgufToHfName(spec.name);
    std::vector<float> values;
    if (hf.rfind("2_Dense/", 0) == 0 || hf.rfind("3_Dense/", 0) == 0) {
      SafeTensorsFile f(dir + "/" + hf.substr(0, 7) + "/model.safetensors");
      values = ToF32(*f.Find(hf.substr(8)));
    } else {
      const TensorView* t = store->Find(hf);
      if (t == nullptr) throw Error("fixture lacks " + hf);
      values = ToF32(*t);
    }
    if (GgufStoresNormPlusOne(hf)) HfNormToGguf(values.data(), values.size());
    w.AddTensor(spec.name, GgmlType::kF32, spec.shape, Bytes(values));
  }
  out.bytes = w.ToBytes();
  return out;
}

void ExpectError(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error, expected: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

void ExpectSameConfig(const ModelConfig& a, const ModelConfig& b) {
  EXPECT_EQ(a.hidden_size, b.hidden_size);
  EXPECT_EQ(a.num_layers, b.num_layers);
  EXPECT_EQ(a.num_heads, b.num_heads);
  EXPECT_EQ(a.num_kv_heads, b.num_kv_heads);
  EXPECT_EQ(a.head_dim, b.head_dim);
  EXPECT_EQ(a.intermediate_size, b.intermediate_size);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.sliding_window, b.sliding_window);
  EXPECT_EQ(a.window_radius(), b.window_radius());
  EXPECT_EQ(a.layer_types, b.layer_types);
  EXPECT_EQ(a.rope_theta_full, b.rope_theta_full);
  EXPECT_EQ(a.rope_theta_sliding, b.rope_theta_sliding);
  EXPECT_EQ(a.query_pre_attn_scalar, b.query_pre_attn_scalar);
  EXPECT_EQ(static_cast<float>(a.rms_norm_eps), static_cast<float>(b.rms_norm_eps));  // GGUF keeps f32
  EXPECT_EQ(a.attn_logit_softcap, b.attn_logit_softcap);
  EXPECT_EQ(a.max_position_embeddings, b.max_position_embeddings);
}

TEST(GgufModel, TensorNamesMapBothWays) {
  EXPECT_EQ(HfToGgufName("embed_tokens.weight"), "token_embd.weight");
  EXPECT_EQ(HfToGgufName("model.norm.weight"), "output_norm.weight");
  EXPECT_EQ(HfToGgufName("layers.0.input_layernorm.weight"), "blk.0.attn_norm.weight");
  EXPECT_EQ(HfToGgufName("layers.23.self_attn.o_proj.weight"), "blk.23.attn_output.weight");
  EXPECT_EQ(HfToGgufName("layers.5.pre_feedforward_layernorm.weight"), "blk.5.ffn_norm.weight");
  EXPECT_EQ(HfToGgufName("layers.5.post_feedforward_layernorm.weight"), "blk.5.post_ffw_norm.weight");
  EXPECT_EQ(HfToGgufName("layers.5.post_attention_layernorm.weight"), "blk.5.post_attention_norm.weight");
  EXPECT_EQ(HfToGgufName("model.layers.7.self_attn.k_norm.weight"), "blk.7.attn_k_norm.weight");
  EXPECT_EQ(HfToGgufName("2_Dense/linear.weight"), "dense_2.weight");
  EXPECT_EQ(HfToGgufName("3_Dense/linear.bias"), "dense_3.bias");
  EXPECT_EQ(GgufToHfName("blk.11.ffn_down.weight"), "layers.11.mlp.down_proj.weight");
  EXPECT_EQ(GgufToHfName("dense_3.weight"), "3_Dense/linear.weight");
  for (const char* bad : {"output.weight", "blk.x.attn_q.weight", "blk.01.attn_q.weight", "blk..attn_q.weight",
                          "blk.0.attn_qkv.weight", "rope_freqs.weight", ""}) {
    EXPECT_EQ(GgufToHfName(bad), "") << bad;
  }
  EXPECT_EQ(HfToGgufName("layers.0.mlp.experts.weight"), "");
  // Every tensor of a model maps to a distinct HF name and back.
  ModelConfig c = JsonConfig("tiny-b");
  std::set<std::string> seen;
  for (const GgufTensorSpec& s : ExpectedGgufTensors(c, 384)) {
    const std::string hf = GgufToHfName(s.name);
    ASSERT_FALSE(hf.empty()) << s.name;
    EXPECT_TRUE(seen.insert(hf).second) << hf;
    EXPECT_EQ(HfToGgufName(hf), s.name);
  }
  EXPECT_EQ(seen.size(), 1u + 7 * 13 + 1 + 2);
}

TEST(GgufModel, NormWeightsAreStoredPlusOne) {
  EXPECT_TRUE(GgufStoresNormPlusOne("norm.weight"));
  EXPECT_TRUE(GgufStoresNormPlusOne("layers.2.input_layernorm.weight"));
  EXPECT_TRUE(GgufStoresNormPlusOne("layers.2.self_attn.q_norm.weight"));
  EXPECT_TRUE(GgufStoresNormPlusOne("layers.2.post_feedforward_layernorm.weight"));
  EXPECT_FALSE(GgufStoresNormPlusOne("embed_tokens.weight"));
  EXPECT_FALSE(GgufStoresNormPlusOne("layers.2.self_attn.q_proj.weight"));
  EXPECT_FALSE(GgufStoresNormPlusOne("2_Dense/linear.weight"));

  const Converted m = Convert("tiny-a", true);
  const auto f = GgufFile::FromBytes(m.bytes, "tiny-a.gguf");
  const auto store = TensorStore::Open(testing::ModelDir("tiny-a"));
  const std::vector<float> hf = ToF32(*store->Find("norm.weight"));
  const std::vector<float> stored = ToF32(f->View(*f->Find("output_norm.weight")));
  ASSERT_EQ(stored.size(), hf.size());
  std::vector<float> back = stored;
  GgufNormToHf(back.data(), back.size());
  for (size_t i = 0; i < hf.size(); ++i) {
    EXPECT_EQ(stored[i], 1.0f + hf[i]);
    EXPECT_EQ(1.0f + back[i], stored[i]) << "the encoder's 1 + w must give the stored multiplier back";
  }
}

TEST(GgufModel, ConfigRoundTripsThroughMetadata) {
  for (const char* model : {"tiny-a", "tiny-b", "tiny-text"}) {
    SCOPED_TRACE(model);
    const Converted m = Convert(model, true);
    const auto f = GgufFile::FromBytes(m.bytes, std::string(model) + ".gguf");
    const GgufModelInfo info = ReadGgufModel(*f);
    ExpectSameConfig(info.config, JsonConfig(model));
    EXPECT_TRUE(info.has_dense);
    EXPECT_EQ(info.dense_hidden, m.info.dense_hidden);
    EXPECT_EQ(info.pooling_type, kGgufPoolingMean);
    EXPECT_EQ(info.name, model);
    EXPECT_EQ(info.max_seq_length, 2048);
    EXPECT_EQ(info.prompts, m.info.prompts);
  }
}

// The keys llama.cpp's loader reads for gemma-embedding, with the types it expects.
TEST(GgufModel, WritesWhatLlamaCppReads) {
  const Converted m = Convert("tiny-a", true);
  const auto f = GgufFile::FromBytes(m.bytes, "tiny-a.gguf");
  EXPECT_EQ(f->GetString("general.architecture"), "gemma-embedding");
  auto expect_u32 = [&](const std::string& key, uint32_t value) {
    const GgufKv* kv = f->FindKv(key);
    ASSERT_NE(kv, nullptr) << key;
    EXPECT_EQ(kv->type, GgufType::kU32) << key;
    EXPECT_EQ(f->GetU32(key), value) << key;
  };
  expect_u32("gemma-embedding.context_length", 2048);
  expect_u32("gemma-embedding.embedding_length", 64);
  expect_u32("gemma-embedding.block_count", 6);
  expect_u32("gemma-embedding.feed_forward_length", 128);
  expect_u32("gemma-embedding.attention.head_count", 4);
  expect_u32("gemma-embedding.attention.head_count_kv", 2);
  expect_u32("gemma-embedding.attention.key_length", 16);
  expect_u32("gemma-embedding.attention.value_length", 16);
  expect_u32("gemma-embedding.attention.sliding_window", 8);  // raw, as in config.json
  expect_u32("gemma-embedding.pooling_type", 1);
  expect_u32("gemma-embedding.dense_2_feat_in", 64);
  expect_u32("gemma-embedding.dense_2_feat_out", 256);
  expect_u32("gemma-embedding.dense_3_feat_in", 256);
  expect_u32("gemma-embedding.dense_3_feat_out", 64);
  EXPECT_EQ(f->FindKv("gemma-embedding.rope.freq_base")->type, GgufType::kF32);
  EXPECT_EQ(f->GetF32("gemma-embedding.rope.freq_base"), 1e6f);
  EXPECT_EQ(f->GetF32("gemma-embedding.attention.layer_norm_rms_epsilon"), 1e-6f);
  EXPECT_EQ(f->GetF32("gemma-embedding.rope.freq_base_swa"), 1e4f);
  // tiny-a matches llama.cpp's fixed assumptions: no extra keys.
  EXPECT_FALSE(f->Has("gemma-embedding.attention.sliding_window_pattern"));
  EXPECT_FALSE(f->Has("gembed.query_pre_attn_scalar"));
  // tiny-b does not: its sliding RoPE base and attention scale are written.
  const auto b = GgufFile::FromBytes(Convert("tiny-b", true).bytes, "tiny-b.gguf");
  EXPECT_EQ(b->GetF32("gemma-embedding.rope.freq_base_swa"), 2e4f);
  EXPECT_EQ(b->GetF32("gembed.query_pre_attn_scalar"), 48.0f);
  EXPECT_FALSE(b->Has("gemma-embedding.attention.sliding_window_pattern"));  // 7 layers, every 6th full
}

// The metadata of llama.cpp's own EmbeddingGemma conversion (no gembed keys), with a tiny
// vocabulary so that the embedding stays small.
TEST(GgufModel, ReadsLlamaCppMetadata) {
  GgufWriter w;
  w.SetString("general.architecture", "gemma-embedding");
  w.SetU32("gemma-embedding.context_length", 2048);
  w.SetU32("gemma-embedding.embedding_length", 768);
  w.SetU32("gemma-embedding.block_count", 24);
  w.SetU32("gemma-embedding.feed_forward_length", 1152);
  w.SetU32("gemma-embedding.attention.head_count", 3);
  w.SetU32("gemma-embedding.attention.head_count_kv", 1);
  w.SetF32("gemma-embedding.attention.layer_norm_rms_epsilon", 1e-6f);
  w.SetU32("gemma-embedding.attention.key_length", 256);
  w.SetU32("gemma-embedding.attention.value_length", 256);
  w.SetF32("gemma-embedding.rope.freq_base", 1e6f);
  w.SetU32("gemma-embedding.attention.sliding_window", 512);
  w.SetU32("gemma-embedding.pooling_type", 1);
  w.SetU32("general.file_type", 1);
  w.AddTensor("token_embd.weight", GgmlType::kF16, {16, 768}, std::vector<uint8_t>(16 * 768 * 2));
  const auto f = GgufFile::FromBytes(w.ToBytes(), "embeddinggemma-300m.gguf");
  const ModelConfig c = ParseGgufModelConfig(*f);
  EXPECT_EQ(c.hidden_size, 768);
  EXPECT_EQ(c.num_layers, 24);
  EXPECT_EQ(c.num_heads, 3);
  EXPECT_EQ(c.num_kv_heads, 1);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.intermediate_size, 1152);
  EXPECT_EQ(c.vocab_size, 16);
  EXPECT_EQ(c.sliding_window, 512);
  EXPECT_EQ(c.window_radius(), 256);  // llama.cpp: |i − j| ≤ 512/2
  EXPECT_EQ(c.rope_theta_full, 1e6);
  EXPECT_EQ(c.rope_theta_sliding, 1e4);
  EXPECT_EQ(c.query_pre_attn_scalar, 256);
  EXPECT_EQ(c.max_position_embeddings, 2048);
  EXPECT_EQ(c.dtype, "float16");
  for (int i = 0; i < 24; ++i) {
    EXPECT_EQ(c.layer_types[i], i % 6 == 5 ? LayerType::kFull : LayerType::kSliding) << i;
  }
}

TEST(GgufModel, WithoutDenseLayersWarnsLoudly) {
  const Converted m = Convert("tiny-a", false);
  const auto f = GgufFile::FromBytes(m.bytes, "no-dense.gguf");
  const GgufModelInfo info = ReadGgufModel(*f);
  EXPECT_FALSE(info.has_dense);
  EXPECT_FALSE(f->Has("gemma-embedding.dense_2_feat_in"));
  const std::string warning = MissingDenseWarning(f->path());
  for (const char* part : {"WARNING", "no-dense.gguf", "dense_2.weight", "NOT EmbeddingGemma",
                           "--sentence-transformers-dense-modules"}) {
    EXPECT_NE(warning.find(part), std::string::npos) << part;
  }
}

TEST(GgufModel, LayerPatternAndPromptsRoundTrip) {
  const Converted m = Convert("tiny-a", true, [](GgufModelInfo& info, GgufWriter&) {
    info.config.layer_types = {LayerType::kFull, LayerType::kSliding, LayerType::kFull,
                               LayerType::kSliding, LayerType::kSliding, LayerType::kSliding};
    info.default_prompt_name = "query";
  });
  const auto f = GgufFile::FromBytes(m.bytes, "pattern.gguf");
  const GgufModelInfo info = ReadGgufModel(*f);
  EXPECT_EQ(info.config.layer_types, m.info.config.layer_types);
  EXPECT_EQ(info.default_prompt_name, "query");
  EXPECT_EQ(info.prompts.size(), 2u);
}

TEST(GgufModel, RefusesWhatItCannotRun) {
  auto refuse = [](const std::function<void(GgufModelInfo&, GgufWriter&)>& tweak, const std::string& fragment,
                   bool dense = true) {
    ExpectError(
        [&] {
          const Converted m = Convert("tiny-a", dense, tweak);
          ReadGgufModel(*GgufFile::FromBytes(m.bytes, "m.gguf"));
        },
        fragment);
  };
  refuse([](GgufModelInfo& i, GgufWriter&) { i.pooling_type = 2; }, "pooling_type is 2");
  refuse([](GgufModelInfo&, GgufWriter& w) { w.SetBool("gemma-embedding.attention.causal", true); },
         "attention.causal is true");
  refuse([](GgufModelInfo&, GgufWriter& w) { w.SetString("gemma-embedding.rope.scaling.type", "yarn"); },
         "rope.scaling.type is 'yarn'");
  refuse([](GgufModelInfo&, GgufWriter& w) { w.AddTensor("output.weight", GgmlType::kF32, {1}, Bytes({0})); },
         "unexpected tensor 'output.weight'");
  ExpectError([] { WriteGgufModelMetadata(GgufModelInfo{}, nullptr); }, "incomplete model config");

  // Metadata edits on a good file.
  const Converted good = Convert("tiny-a", true);
  auto with_kvs = [&](const std::function<void(GgufWriter&)>& kvs, const std::string& fragment) {
    GgufWriter w;
    kvs(w);
    const auto base = GgufFile::FromBytes(good.bytes, "base.gguf");
    for (const GgufTensor& t : base->tensors()) {
      w.AddTensorView(t.name, t.ggml_type(), t.shape, t.data, t.nbytes);
    }
    ExpectError([&] { ReadGgufModel(*GgufFile::FromBytes(w.ToBytes(), "m.gguf")); }, fragment);
  };
  with_kvs([](GgufWriter& w) { w.SetString("general.architecture", "gemma3"); },
           "'gemma3' (a Gemma 3 language model, not EmbeddingGemma)");
  with_kvs([](GgufWriter& w) { w.SetString("general.architecture", "gemma-embedding"); },
           "metadata 'gemma-embedding.embedding_length' is missing");
  with_kvs(
      [](GgufWriter& w) {
        w.SetString("general.architecture", "gemma-embedding");
        w.SetU32("gemma-embedding.embedding_length", 64);
        w.SetU32("gemma-embedding.block_count", 6);
        w.SetI32Array("gemma-embedding.attention.head_count", {4, 4, 4, 4, 4, 2});
      },
      "attention.head_count differs between layers");
  with_kvs(
      [](GgufWriter& w) {
        w.SetString("general.architecture", "gemma-embedding");
        w.SetU32("gemma-embedding.embedding_length", 64);
        w.SetU32("gemma-embedding.block_count", 5);
        w.SetU32("gemma-embedding.attention.head_count", 4);
        w.SetU32("gemma-embedding.attention.head_count_kv", 2);
        w.SetU32("gemma-embedding.feed_forward_length", 128);
        w.SetU32("gemma-embedding.attention.key_length", 16);
        w.SetU32("gemma-embedding.attention.sliding_window", 8);
        w.SetF32("gemma-embedding.attention.layer_norm_rms_epsilon", 1e-6f);
      },
      "unexpected tensor 'blk.5.attn_norm.weight'");
  with_kvs(
      [](GgufWriter& w) {
        w.SetString("general.architecture", "gemma-embedding");
        w.SetU32("gemma-embedding.embedding_length", 64);
        w.SetU32("gemma-embedding.block_count", 6);
        w.SetU32("gemma-embedding.attention.head_count", 4);
        w.SetU32("gemma-embedding.attention.head_count_kv", 2);
        w.SetU32("gemma-embedding.feed_forward_length", 96);
        w.SetU32("gemma-embedding.attention.key_length", 16);
        w.SetU32("gemma-embedding.attention.sliding_window", 8);
        w.SetF32("gemma-embedding.attention.layer_norm_rms_epsilon", 1e-6f);
      },
      "tensor 'blk.0.ffn_gate.weight' has shape [128, 64] but the metadata implies [96, 64]");

  // A Dense size key that disagrees with the tensors: patch the u32 in place.
  {
    std::vector<uint8_t> bytes = good.bytes;
    const auto base = GgufFile::FromBytes(bytes, "base.gguf");
    const std::string key = "gemma-embedding.dense_2_feat_out";
    const GgufKv* kv = base->FindKv(key);
    ASSERT_NE(kv, nullptr);
    const size_t value_at = kv->file_offset + 8 + key.size() + 4;
    ASSERT_EQ(bytes[value_at], 0u);  // 256 = 0x100, little-endian
    bytes[value_at] = 100;
    bytes[value_at + 1] = 0;
    ExpectError([&] { ReadGgufModel(*GgufFile::FromBytes(bytes, "m.gguf")); },
                "dense_2_feat_out is 100 but the Dense tensors imply 256");
  }

  // Tensors missing, or one Dense layer alone.
  auto without = [&](const std::string& skip, const std::string& fragment) {
    GgufWriter w;
    WriteGgufModelMetadata(good.info, &w);
    const auto base = GgufFile::FromBytes(good.bytes, "base.gguf");
    for (const GgufTensor& t : base->tensors()) {
      if (t.name != skip) w.AddTensorView(t.name, t.ggml_type(), t.shape, t.data, t.nbytes);
    }
    ExpectError([&] { ReadGgufModel(*GgufFile::FromBytes(w.ToBytes(), "m.gguf")); }, fragment);
  };
  without("blk.3.attn_k_norm.weight", "tensor 'blk.3.attn_k_norm.weight' is missing");
  without("dense_3.weight", "has dense_2.weight but not dense_3.weight");
  without("token_embd.weight", "tensor 'token_embd.weight' is missing");
}

}  // namespace
}  // namespace gembed
