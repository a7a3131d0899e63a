// gembed similar: every item's top-k most similar other items (recommendation), or with
// --pairs N the N most similar pairs overall. Prompt: the card's "STS" (sentence
// similarity), because both sides of a comparison are the same kind of text.
#include <cstdio>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli/commands.h"
#include "cli/output_writer.h"
#include "cli/task_command.h"
#include "tasks/similarity.h"

namespace gembed::cli {

int RunSimilar(const SimilarArgs& args) {
  if (args.top_k < 1) throw Error("--top-k must be at least 1");
  if (args.pairs < 0) throw Error("--pairs must be at least 1");
  TaskSession s = OpenTask(args.task, "STS");
  const tasks::Items& items = s.items;
  if (items.items.size() < 2) throw Error("similarity needs at least two items");
  const tasks::EmbeddingMatrix m = tasks::EmbedItems(*s.model, items, s.embed);
  ThreadPool pool(args.task.threads);
  std::string out;
  if (args.pairs > 0) {
    const auto pairs = tasks::MostSimilarPairs(m, static_cast<size_t>(args.pairs), &pool);
    if (!args.task.json) {
      out += "# " + std::to_string(pairs.size()) + " most similar pairs of " + std::to_string(items.items.size()) +
             " items · prompt " + tasks::DescribePrompt(s.embed.prompt) + "\n";
    }
    for (const auto& p : pairs) {
      if (args.task.json) {
        out += "{\"score\": ";
        AppendFloat(&out, p.score);
        out += ", \"a\": {";
        AppendItemFields(&out, items, p.a);
        out += "}, \"b\": {";
        AppendItemFields(&out, items, p.b);
        out += "}}\n";
      } else {
        out += Score(p.score, 7) + "  [" + items.items[p.a].id + "] " + Shorten(items.items[p.a].text, 40) + "  <->  [" +
               items.items[p.b].id + "] " + Shorten(items.items[p.b].text, 40) + "\n";
      }
    }
  } else {
    const auto neighbours = tasks::TopKNeighbours(m, static_cast<size_t>(args.top_k), &pool);
    if (!args.task.json) {
      out += "# top " + std::to_string(std::min<size_t>(args.top_k, items.items.size() - 1)) + " neighbours of " +
             std::to_string(items.items.size()) + " items · prompt " + tasks::DescribePrompt(s.embed.prompt) + "\n";
    }
    for (size_t i = 0; i < neighbours.size(); ++i) {
      if (args.task.json) {
        out += "{";
        AppendItemFields(&out, items, i);
        out += ", \"neighbours\": [";
        for (size_t r = 0; r < neighbours[i].size(); ++r) {
          out += r ? ", {" : "{";
          AppendItemFields(&out, items, neighbours[i][r].index);
          out += ", \"score\": ";
          AppendFloat(&out, neighbours[i][r].score);
          out += "}";
        }
        out += "]}\n";
      } else {
        out += "[" + items.items[i].id + "] " + Shorten(items.items[i].text) + "\n";
        for (const auto& n : neighbours[i]) {
          out += "   " + Score(n.score, 7) + "  [" + items.items[n.index].id + "] " + Shorten(items.items[n.index].text, 64) + "\n";
        }
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace gembed::cli
