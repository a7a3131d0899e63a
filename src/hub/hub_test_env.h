// Test support: each test gets its own HF_HOME in a fresh temp folder and none of the user's
// hub settings, so no test reads or writes ~/.cache/huggingface or sends a real token.
#pragma once

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "fixtures.h"

namespace gembed::hub::testing {

class HubEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = gembed::testing::FreshTempDir();
    for (const char* v : {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE",
                          "HF_ENDPOINT", "XDG_CACHE_HOME"}) {
      ::unsetenv(v);
    }
    ::setenv("HF_HOME", home_.c_str(), 1);
  }
  void TearDown() override { std::filesystem::remove_all(home_); }

  std::filesystem::path home_;
};

}  // namespace gembed::hub::testing
