// gembed dedup: groups of near-duplicate items — equal texts first (by hash), then every
// pair with cosine >= --threshold, joined transitively. Prompt: the card's "STS": whether
// two texts say the same thing is sentence similarity, a symmetric comparison ("document"
// is the retrieval side of query→document search; pass --prompt document to use it and
// the items' titles).
#include <cstdio>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli/commands.h"
#include "cli/output_writer.h"
#include "cli/task_command.h"
#include "tasks/dedup.h"

namespace gembed::cli {

int RunDedup(const DedupArgs& args) {
  if (!(args.threshold >= -1 && args.threshold <= 1)) throw Error("--threshold must be a cosine in [-1, 1]");
  TaskSession s = OpenTask(args.task, "STS");
  const tasks::Items& items = s.items;
  // What makes two items the same text: the text, and the title where the prompt uses it.
  std::vector<std::string> keys;
  for (const tasks::TaskItem& it : items.items) {
    keys.push_back(s.embed.prompt.document_form && it.title ? *it.title + '\x1f' + it.text : it.text);
  }
  const std::vector<size_t> dup_of = tasks::ExactDuplicateOf(keys);
  std::vector<size_t> unique;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (dup_of[i] == i) unique.push_back(i);
  }
  const tasks::EmbeddingMatrix m = tasks::EmbedItems(*s.model, items, s.embed, &unique);
  ThreadPool pool(args.task.threads);
  const auto groups = tasks::FindDuplicateGroups(keys, unique, m, static_cast<float>(args.threshold), &pool);
  size_t duplicates = 0;
  for (const auto& g : groups) duplicates += g.members.size() - 1;
  std::string out;
  if (!args.task.json) {
    out += "# " + std::to_string(items.items.size()) + " items, " + std::to_string(groups.size()) + " duplicate group" +
           (groups.size() == 1 ? "" : "s") + ", " + std::to_string(duplicates) + " item" + (duplicates == 1 ? "" : "s") +
           " to drop · threshold " + Score(args.threshold) + " · prompt " + tasks::DescribePrompt(s.embed.prompt) + "\n";
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& group = groups[g];
    if (args.task.json) {
      out += "{\"group\": " + std::to_string(g + 1) + ", \"size\": " + std::to_string(group.members.size()) + ", \"members\": [";
      for (size_t i = 0; i < group.members.size(); ++i) {
        out += i ? ", {" : "{";
        AppendItemFields(&out, items, group.members[i]);
        out += ", \"score\": ";
        AppendFloat(&out, group.scores[i]);
        out += std::string(", \"exact\": ") + (dup_of[group.members[i]] == dup_of[group.members[0]] ? "true" : "false") + "}";
      }
      out += "]}\n";
    } else {
      out += "\ngroup " + std::to_string(g + 1) + " · " + std::to_string(group.members.size()) + " items\n";
      for (size_t i = 0; i < group.members.size(); ++i) {
        const size_t m_i = group.members[i];
        const bool exact = dup_of[m_i] == dup_of[group.members[0]];
        out += "   " + (i == 0 ? std::string("   keep") : exact ? std::string("  exact") : Score(group.scores[i], 7)) + "  [" +
               items.items[m_i].id + "] " + Shorten(items.items[m_i].text, 64) + "\n";
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace gembed::cli
