// Test base for index tests that embed: the tiny-text fixture model (real Gemma 3 tokenizer)
// and its identity, loaded once per test suite.
#pragma once

#include <gtest/gtest.h>

#include "embedder/embedder.h"
#include "fixtures.h"
#include "index/model_identity.h"

namespace gembed::index {

class TinyTextModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = Embedder::Load(testing::ModelDir("tiny-text"), {.threads = 2}).release();
    identity_ = new ModelIdentity(IdentifyModel(*model_, testing::ModelDir("tiny-text")));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete identity_;
    model_ = nullptr;
    identity_ = nullptr;
  }

  static inline Embedder* model_ = nullptr;
  static inline ModelIdentity* identity_ = nullptr;
};

}  // namespace gembed::index
