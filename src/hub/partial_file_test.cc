#include "hub/partial_file.h"

#include <fstream>

#include "fixtures.h"
#include "hub/hub_error.h"

namespace gembed::hub {
namespace {

TEST(PartialFile, AppendsAfterWhatAnEarlierAttemptLeft) {
  const auto dir = gembed::testing::FreshTempDir();
  const auto path = dir / "blob.incomplete";
  std::ofstream(path) << "abc";
  {
    PartialFile f(path);
    EXPECT_EQ(f.size(), 3u);
    f.Append("def", 3);
    f.Close();
  }
  std::ifstream in(path);
  std::string s;
  in >> s;
  EXPECT_EQ(s, "abcdef");
  std::filesystem::remove_all(dir);
}

TEST(PartialFile, DiskFullIsAClearErrorThatKeepsTheDownload) {
  // /dev/full fails every write with ENOSPC, as a full disk does.
  try {
    PartialFile f("/dev/full");
    const std::string block(1 << 16, 'x');  // more than stdio buffers, so the write reaches the device
    for (int i = 0; i < 4; ++i) f.Append(block.data(), block.size());
    f.Close();
    FAIL() << "no error";
  } catch (const HubError& e) {
    EXPECT_EQ(e.kind(), HubError::Kind::kDiskFull);
    const std::string m = e.what();
    EXPECT_NE(m.find("disk full while writing /dev/full"), std::string::npos) << m;
    EXPECT_NE(m.find("resume"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace gembed::hub
