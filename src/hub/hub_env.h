// The Hugging Face hub's environment variables, read the way huggingface_hub reads them, so
// that gembed and Python tools share one cache, one token and one endpoint.
#pragma once

#include <filesystem>
#include <string>

namespace gembed::hub {

// $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
std::filesystem::path HfHome();
// $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE (the older name), else $HF_HOME/hub.
std::filesystem::path HubCacheDir();
// $HF_ENDPOINT (e.g. a mirror, or a test server), else https://huggingface.co; no trailing '/'.
std::string HubEndpoint();
// The token for private and gated repositories: `flag` (--token), else $HF_TOKEN, else
// $HUGGING_FACE_HUB_TOKEN, else the file $HF_TOKEN_PATH or $HF_HOME/token (what
// `huggingface-cli login` writes). "" when none; surrounding whitespace is dropped.
std::string HubToken(const std::string& flag = "");
// $HF_HUB_OFFLINE set to 1/ON/YES/TRUE (any case): never touch the network.
bool HubOffline();

}  // namespace gembed::hub
