// The robustness study's table and plot from its JSON lines (robustness_run.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robustness_run.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/plot/figure.h"

namespace pfgm::cli {

namespace fs = std::filesystem;
using nlohmann::json;

void write_robustness_table(const std::string& outdir) {
  std::vector<json> rows;
  std::ifstream f(fs::path(outdir) / "robustness.jsonl");
  for (std::string line; std::getline(f, line);) {
    try {
      rows.push_back(json::parse(line));
    } catch (const json::exception&) {
    }
  }
  std::string csv = "label,network,sweep,value,steps,nfe,alpha,bits,fd,fd_floor,confident,outlier_share,seconds\n";
  for (const auto& r : rows) {
    char line[1024];
    std::snprintf(line, sizeof line, "%s,%s,%s,%g,%d,%lld,%g,%d,%.4f,%.4f,%.4f,%.4f,%.1f\n",
                  r["label"].get<std::string>().c_str(), r["network"].get<std::string>().c_str(),
                  r["sweep"].get<std::string>().c_str(), r["value"].get<double>(), r["steps"].get<int>(),
                  (long long)r["nfe"].get<int64_t>(), r["alpha"].get<double>(), r["bits"].get<int>(),
                  r["fd"].get<double>(), r["fd_floor"].get<double>(), r["confident"].get<double>(),
                  r["outlier_share"].is_number() ? r["outlier_share"].get<double>() : NAN, r["seconds"].get<double>());
    csv += line;
  }
  io::write_atomically((fs::path(outdir) / "robustness.csv").string(), [&](std::ostream& o) { o << csv; });
  // One panel per sweep; the baseline is each line's point at α = 0, base steps, and 32 bits.
  std::vector<std::string> labels;
  for (const auto& r : rows)
    if (std::find(labels.begin(), labels.end(), r["label"]) == labels.end()) labels.push_back(r["label"]);
  std::vector<plot::Figure> panels(3, plot::Figure(520, 420));
  const char* sweeps[] = {"alpha", "steps", "bits"};
  const char* x_labels[] = {"noise injection alpha", "sampling steps", "weight bits (32: float)"};
  for (int k = 0; k < 3; ++k) {
    panels[k].set_title(std::string("FD against ") + sweeps[k]);
    panels[k].set_labels(x_labels[k], "FD (classifier features)");
    for (size_t i = 0; i < labels.size(); ++i) {
      std::vector<std::pair<double, double>> pts;
      for (const auto& r : rows) {
        if (r["label"] != labels[i]) continue;
        if (r["sweep"] == sweeps[k]) pts.emplace_back(r["value"].get<double>(), r["fd"].get<double>());
        if (r["sweep"] == "base")
          pts.emplace_back(k == 0 ? 0.0 : k == 1 ? double(r["steps"].get<int>()) : 32.0, r["fd"].get<double>());
      }
      std::sort(pts.begin(), pts.end());
      std::vector<double> x, y;
      for (auto& p : pts) x.push_back(p.first), y.push_back(p.second);
      panels[k].line(x, y, plot::palette(int(i)), 2.0, labels[i]);
      panels[k].scatter(x, y, plot::palette(int(i)), 3.0);
    }
  }
  plot::save_panels_png({&panels[0], &panels[1], &panels[2]}, 3, (fs::path(outdir) / "robustness.png").string());
}

}  // namespace pfgm::cli
