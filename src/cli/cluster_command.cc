// gembed cluster: spherical k-means++ on the items' embeddings, k given or chosen by the
// silhouette; each cluster shown with its most central texts. Prompt: the card's
// "Clustering".
#include <cstdio>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli/commands.h"
#include "cli/output_writer.h"
#include "cli/task_command.h"
#include "tasks/kmeans.h"
#include "tasks/progress.h"

namespace gembed::cli {

int RunCluster(const ClusterArgs& args) {
  if (args.k < 0) throw Error("--k must be at least 1");
  if (args.n_init < 1) throw Error("--n-init must be at least 1");
  if (args.max_iter < 1) throw Error("--max-iter must be at least 1");
  if (args.show < 0) throw Error("--show must be at least 0");
  TaskSession s = OpenTask(args.task, "Clustering");
  const tasks::Items& items = s.items;
  if (args.k > 0 && static_cast<size_t>(args.k) > items.items.size()) {
    throw Error("--k " + std::to_string(args.k) + " is more than the " + std::to_string(items.items.size()) + " items");
  }
  if (args.k == 0 && items.items.size() < 3) throw Error("choosing k needs at least 3 items (give --k for fewer)");
  const tasks::EmbeddingMatrix m = tasks::EmbedItems(*s.model, items, s.embed);
  ThreadPool pool(args.task.threads);
  tasks::KMeansOptions opt{.k = args.k, .n_init = args.n_init, .max_iter = args.max_iter, .seed = args.seed};
  tasks::KMeansResult r;
  std::vector<std::pair<int, double>> tried;
  if (args.k > 0) {
    r = tasks::SphericalKMeans(m, opt, &pool);
  } else {
    tasks::Progress progress = tasks::Progress::ForStderr("clustering", 0, "values of k");
    tasks::KChoice choice = tasks::ChooseK(m, args.k_min, args.k_max, opt, &pool, [&](int, int, int total) {
      progress.SetTotal(static_cast<size_t>(total));
      progress.Add(1, 0);
    });
    progress.Finish();
    r = std::move(choice.best);
    tried = std::move(choice.silhouettes);
  }
  const double silhouette = r.k >= 2 ? tasks::Silhouette(m, r.assignment, r.k) : 0.0;

  std::string out;
  if (args.task.json) {
    out += "{\"k\": " + std::to_string(r.k) + ", \"silhouette\": ";
    AppendFloat(&out, static_cast<float>(silhouette));
    out += ", \"chosen_by\": \"" + std::string(args.k > 0 ? "--k" : "silhouette") + "\", \"silhouettes\": [";
    for (size_t i = 0; i < tried.size(); ++i) {
      out += (i ? ", " : "") + std::string("{\"k\": ") + std::to_string(tried[i].first) + ", \"silhouette\": ";
      AppendFloat(&out, static_cast<float>(tried[i].second));
      out += "}";
    }
    out += "],\n \"clusters\": [";
    for (int c = 0; c < r.k; ++c) {
      const auto central = tasks::CentralMembers(m, r, c);
      out += std::string(c ? ",\n  " : "\n  ") + "{\"cluster\": " + std::to_string(c) + ", \"size\": " + std::to_string(r.sizes[c]) + ", \"central\": [";
      for (size_t i = 0; i < std::min<size_t>(args.show, central.size()); ++i) {
        out += i ? ", {" : "{";
        AppendItemFields(&out, items, central[i].first);
        out += ", \"score\": ";
        AppendFloat(&out, central[i].second);
        out += "}";
      }
      out += "]}";
    }
    out += "],\n \"assignments\": [";
    for (size_t i = 0; i < items.items.size(); ++i) {
      out += std::string(i ? ",\n  " : "\n  ") + "{";
      AppendItemFields(&out, items, i);
      out += ", \"cluster\": " + std::to_string(r.assignment[i]) + ", \"score\": ";
      AppendFloat(&out, tasks::Dot(m.row(i), r.centroids.row(r.assignment[i]), m.dim));
      out += "}";
    }
    out += "]}\n";
  } else {
    out += "# " + std::to_string(items.items.size()) + " items in " + std::to_string(r.k) + " clusters";
    if (args.k == 0) {
      out += " (k chosen by silhouette over " + std::to_string(tried.front().first) + ".." + std::to_string(tried.back().first) + ")";
    }
    out += " · silhouette " + Score(silhouette) + " · prompt " + tasks::DescribePrompt(s.embed.prompt) + "\n";
    if (!tried.empty()) {
      out += "# silhouette by k:";
      for (const auto& [k, v] : tried) {
        out += ' ';
        out += std::to_string(k);
        out += '=';
        out += Score(v);
      }
      out += "\n";
    }
    for (int c = 0; c < r.k; ++c) {
      const auto central = tasks::CentralMembers(m, r, c);
      out += "\ncluster " + std::to_string(c) + " · " + std::to_string(r.sizes[c]) + " item" + (r.sizes[c] == 1 ? "" : "s") + "\n";
      for (size_t i = 0; i < std::min<size_t>(args.show, central.size()); ++i) {
        out += "   " + Score(central[i].second, 7) + "  [" + items.items[central[i].first].id + "] " +
               Shorten(items.items[central[i].first].text, 64) + "\n";
      }
      if (central.size() > static_cast<size_t>(args.show)) out += "    … " + std::to_string(central.size() - args.show) + " more\n";
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace gembed::cli
