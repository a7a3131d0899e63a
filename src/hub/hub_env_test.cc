#include "hub/hub_env.h"

#include <fstream>

#include "hub_test_env.h"

namespace gembed::hub {
namespace {

using testing::HubEnvTest;

TEST_F(HubEnvTest, CacheFolderFollowsHfHomeThenHubCache) {
  EXPECT_EQ(HfHome(), home_);
  EXPECT_EQ(HubCacheDir(), home_ / "hub");
  ::setenv("HF_HUB_CACHE", "/elsewhere/hub", 1);
  EXPECT_EQ(HubCacheDir(), "/elsewhere/hub");
}

TEST_F(HubEnvTest, XdgCacheHomeAndHomeAreTheDefaults) {
  ::unsetenv("HF_HOME");
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(HubCacheDir(), "/xdg/huggingface/hub");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(HfHome(), "/home/someone/.cache/huggingface");
}

TEST_F(HubEnvTest, EndpointDefaultsToHuggingFaceAndDropsTrailingSlash) {
  EXPECT_EQ(HubEndpoint(), "https://huggingface.co");
  ::setenv("HF_ENDPOINT", "https://hf-mirror.example/", 1);
  EXPECT_EQ(HubEndpoint(), "https://hf-mirror.example");
}

TEST_F(HubEnvTest, TokenFromFlagThenEnvironmentThenTokenFile) {
  EXPECT_EQ(HubToken(), "");
  std::ofstream(home_ / "token") << "hf_from_file\n";
  EXPECT_EQ(HubToken(), "hf_from_file");
  ::setenv("HF_TOKEN", " hf_from_env ", 1);
  EXPECT_EQ(HubToken(), "hf_from_env");
  EXPECT_EQ(HubToken("hf_from_flag"), "hf_from_flag");
}

TEST_F(HubEnvTest, OfflineTakesHuggingFaceHubsTrueValues) {
  EXPECT_FALSE(HubOffline());
  for (const char* v : {"1", "ON", "yes", "True"}) {
    ::setenv("HF_HUB_OFFLINE", v, 1);
    EXPECT_TRUE(HubOffline()) << v;
  }
  for (const char* v : {"0", "false", ""}) {
    ::setenv("HF_HUB_OFFLINE", v, 1);
    EXPECT_FALSE(HubOffline()) << v;
  }
}

}  // namespace
}  // namespace gembed::hub
