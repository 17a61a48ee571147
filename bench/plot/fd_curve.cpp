// FD against wall-clock minutes, one line per configuration, from JSON lines
// {"config": "...", "minutes": m, "fd": f} (bench/main_job_curve.sh writes them).
// Usage: pfgm_fd_curve curves.jsonl out.png [title]
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pfgm/plot/figure.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s curves.jsonl out.png [title]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "[curves] cannot read %s\n", argv[1]);
    return 1;
  }
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> curves;
  std::vector<std::string> order;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      const auto name = j.at("config").get<std::string>();
      if (!curves.count(name)) order.push_back(name);
      curves[name].first.push_back(j.at("minutes").get<double>());
      curves[name].second.push_back(j.at("fd").get<double>());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "[curves] %s line %d: expected {\"config\", \"minutes\", \"fd\"}: %s\n", argv[1], n, e.what());
      return 1;
    }
  }
  pfgm::plot::Figure fig(900, 600);
  fig.set_title(argc > 3 ? argv[3] : "FD against wall-clock time");
  fig.set_labels("minutes on 2 CPU cores (training + 1000 samples)", "FD (1000 samples, classifier features)");
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& [x, y] = curves[order[i]];
    fig.line(x, y, pfgm::plot::palette(static_cast<int>(i)), 2.0, order[i]);
    fig.scatter(x, y, pfgm::plot::palette(static_cast<int>(i)), 4.0);
  }
  fig.save_png(argv[2]);
  return 0;
}
