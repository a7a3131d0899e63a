// Reading task items: fields, line-numbered errors, --skip-bad, plain lines; the progress line.
#include "tasks/task_items.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/error.h"
#include "tasks/progress.h"

namespace gembed::tasks {
namespace {

TEST(TaskItems, ParsesEveryField) {
  const TaskItem a = ParseItemLine(R"({"id": "doc-1", "text": "hi", "title": "T", "label": "pos"})", "f");
  EXPECT_EQ(a.id, "doc-1");
  EXPECT_EQ(a.text, "hi");
  EXPECT_EQ(a.title, "T");
  EXPECT_EQ(a.label, "pos");
  const TaskItem b = ParseItemLine(R"({"id": 17, "text": "x", "label": 3, "extra": [1]})", "f");
  EXPECT_EQ(b.id, "17");
  EXPECT_EQ(b.label, "3");
  EXPECT_FALSE(b.title.has_value());
}

Items Read(const std::string& text, bool jsonl, bool skip_bad, std::vector<std::string>* notices = nullptr) {
  std::istringstream in(text);
  return ReadItemStream(in, "f.jsonl", jsonl, skip_bad, [&](const std::string& n) {
    if (notices) notices->push_back(n);
  });
}

std::string ErrorOf(const std::string& text, bool jsonl = true) {
  try {
    Read(text, jsonl, false);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TaskItems, BadLinesNamedByNumber) {
  const std::string ok = "{\"text\": \"fine\"}\n";
  EXPECT_EQ(ErrorOf(ok + "\n{not json\n").rfind("f.jsonl line 3: not valid JSON", 0), 0u);
  EXPECT_EQ(ErrorOf(ok + "[1]\n"), "f.jsonl line 2: expected a JSON object like {\"text\": \"…\"}");
  EXPECT_EQ(ErrorOf(ok + ok + "{\"txt\": 1}\n"), "f.jsonl line 3: needs \"text\" (a string)");
  EXPECT_EQ(ErrorOf("{\"text\": 5}"), "f.jsonl line 1: \"text\" must be a string");
  EXPECT_EQ(ErrorOf("{\"text\": \"  \"}"), "f.jsonl line 1: the text is empty");
  EXPECT_EQ(ErrorOf("{\"text\": \"a\", \"label\": [1]}"), "f.jsonl line 1: \"label\" must be a string or a number");
  EXPECT_EQ(ErrorOf("{\"text\": \"a\", \"id\": 1.5}"), "f.jsonl line 1: \"id\" must be a string or an integer");
  EXPECT_EQ(ErrorOf("{\"text\": \"a\", \"title\": 1}"), "f.jsonl line 1: \"title\" must be a string");
  EXPECT_EQ(ErrorOf("good\nbad \xff here\n", false), "f.jsonl line 2: invalid UTF-8 at byte 4");
}

TEST(TaskItems, SkipBadLeavesOutAndTells) {
  std::vector<std::string> notices;
  const Items items = Read("{\"text\": \"a\"}\nnope\n\n{\"text\": \"b\", \"id\": \"B\"}\n{\"text\": 1}\r\n", true, true, &notices);
  ASSERT_EQ(items.items.size(), 2u);
  EXPECT_EQ(items.skipped, 2u);
  EXPECT_EQ(items.items[0].id, "1");  // no id: the line number
  EXPECT_EQ(items.items[1].id, "B");
  EXPECT_EQ(items.items[1].line, 4u);
  EXPECT_EQ(items.Where(1), "f.jsonl line 4");
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0].rfind("f.jsonl line 2: not valid JSON", 0), 0u);
  EXPECT_EQ(notices[1], "f.jsonl line 5: \"text\" must be a string (skipped)");
}

TEST(TaskItems, PlainLinesAndArguments) {
  const Items items = Read("first line\r\n\n  \nsecond {not json}\n", false, false);
  ASSERT_EQ(items.items.size(), 2u);
  EXPECT_EQ(items.items[0].text, "first line");
  EXPECT_EQ(items.items[1].text, "second {not json}");
  EXPECT_EQ(items.items[1].line, 4u);

  const Items args = ReadItems({.texts = {"a", "b"}}, nullptr);
  EXPECT_EQ(args.items[1].id, "2");
  EXPECT_EQ(args.Where(1), "text argument 2");
  EXPECT_THROW(ReadItems({}, nullptr), Error);
  EXPECT_THROW(ReadItems({.jsonl = "x", .texts = {"a"}}, nullptr), Error);
  EXPECT_THROW(ReadItems({.texts = {" "}}, nullptr), Error);
  try {
    ReadItems({.lines = "/nonexistent/items.txt"}, nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open input file /nonexistent/items.txt");
  }
}

TEST(Progress, LineShowsCountsRateAndTimeLeft) {
  EXPECT_EQ(Progress::Line("embedding", 100, 400, 5000, 10.0), "embedding 100/400 items · 500 tok/s · 0:30 left");
  EXPECT_EQ(Progress::Line("embedding", 0, 400, 0, 0.0), "embedding 0/400 items");
  EXPECT_EQ(Progress::Line("embedding", 400, 400, 800, 2.0), "embedding 400/400 items · 400 tok/s");
  EXPECT_EQ(Progress::Line("clustering", 2, 8, 0, 65.0, "values of k"), "clustering 2/8 values of k · 3:15 left");
  // Disabled: writes nothing.
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* mem = open_memstream(&buf, &len);
  {
    Progress p("x", 10, false, mem);
    p.Add(5, 10);
  }
  {
    Progress p("x", 10, true, mem);
    p.Add(5, 10);
  }
  std::fclose(mem);
  const std::string out(buf, len);
  std::free(buf);
  EXPECT_EQ(out.rfind("\r\033[Kx 5/10 items", 0), 0u) << out;
  EXPECT_EQ(out.substr(out.size() - 4), "\r\033[K");  // wiped at the end
}

}  // namespace
}  // namespace gembed::tasks
