#include "hub/file_selection.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gembed::hub {
namespace {

// google/embeddinggemma-300m's files, plus alternative formats other repositories carry.
const std::vector<std::string> kRepo = {
    ".gitattributes", "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors", "README.md", "config.json",
    "model.safetensors", "modules.json", "onnx/model.onnx", "onnx/model_quantized.onnx", "pytorch_model.bin", "tf_model.h5",
    "flax_model.msgpack", "tokenizer.json", "tokenizer.model", "openvino/openvino_model.xml"};

TEST(FileSelection, DefaultDropsFormatsGembedCannotRead) {
  const auto files = SelectFiles(kRepo, {});
  const std::vector<std::string> want = {".gitattributes", "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors", "README.md",
                                         "config.json", "model.safetensors", "modules.json", "tokenizer.json", "tokenizer.model"};
  EXPECT_EQ(files, want);
}

TEST(FileSelection, AllTakesEverything) { EXPECT_EQ(SelectFiles(kRepo, {.all = true}), kRepo); }

TEST(FileSelection, IncludeReplacesTheDefaultAndStarCrossesFolders) {
  const auto files = SelectFiles(kRepo, {.include = {"*.json"}});
  const std::vector<std::string> want = {"1_Pooling/config.json", "2_Dense/config.json", "config.json", "modules.json", "tokenizer.json"};
  EXPECT_EQ(files, want);
  EXPECT_EQ(SelectFiles(kRepo, {.include = {"onnx/*", "config.json"}}),
            (std::vector<std::string>{"config.json", "onnx/model.onnx", "onnx/model_quantized.onnx"}));
}

TEST(FileSelection, IncludeThatMatchesNothingIsAnError) {
  try {
    SelectFiles(kRepo, {.include = {"*.gguf"}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'*.gguf' matches no file"), std::string::npos) << e.what();
  }
}

TEST(FileSelection, SeveralGgufFilesAskForAChoice) {
  const std::vector<std::string> repo = {"README.md", "embeddinggemma-300M-Q8_0.gguf", "embeddinggemma-300M-BF16.gguf"};
  try {
    SelectFiles(repo, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("2 GGUF files"), std::string::npos) << m;
    EXPECT_NE(m.find("--include"), std::string::npos) << m;
    EXPECT_NE(m.find("embeddinggemma-300M-BF16.gguf"), std::string::npos) << m;
  }
  EXPECT_EQ(SelectFiles(repo, {.include = {"*Q8_0.gguf"}}), std::vector<std::string>{"embeddinggemma-300M-Q8_0.gguf"});
  EXPECT_EQ(SelectFiles({"README.md", "one.gguf"}, {}), (std::vector<std::string>{"README.md", "one.gguf"}));
}

}  // namespace
}  // namespace gembed::hub
