// Tests of pfgm::plot: PNG signature and size, pixels where points were drawn, argument checks,
// atomic writes, panels, speed on large series. PFGM_PLOT_DEMO=<file.png> keeps the demo picture.
#include <gtest/gtest.h>

#include <cairo/cairo.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "pfgm/core/error.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/plot/figure.h"

namespace fs = std::filesystem;
using pfgm::plot::Color;
using pfgm::plot::Figure;

namespace {

const Color kRed{1, 0, 0};
const Color kBlue{0, 0, 1};

// A folder for this process's pictures (removed at exit by tests/scratch_cleanup.cpp).
fs::path scratch_dir() {
  const fs::path path = fs::temp_directory_path() / ("pfgm_plot_test_" + std::to_string(::getpid()));
  fs::create_directories(path);
  return path;
}

std::vector<unsigned char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Width and height from the PNG's IHDR chunk (big-endian at bytes 16..23).
std::pair<int, int> png_size(const fs::path& p) {
  auto b = read_bytes(p);
  EXPECT_GE(b.size(), 24u);
  if (b.size() < 24) return {0, 0};
  auto be32 = [&](size_t i) { return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]; };
  return {be32(16), be32(20)};
}

// The picture's pixels as 0xAARRGGBB.
struct Image {
  int w = 0, h = 0;
  std::vector<uint32_t> px;
  explicit Image(const fs::path& p) {
    cairo_surface_t* s = cairo_image_surface_create_from_png(p.c_str());
    EXPECT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) px.push_back(*reinterpret_cast<const uint32_t*>(data + y * stride + 4 * x));
    cairo_surface_destroy(s);
  }
  uint32_t at(double x, double y) const { return px[static_cast<int>(y) * w + static_cast<int>(x)]; }
  static bool red(uint32_t c) { return ((c >> 16) & 255) > 200 && ((c >> 8) & 255) < 80 && (c & 255) < 80; }
  static bool blue(uint32_t c) { return (c & 255) > 200 && ((c >> 16) & 255) < 80 && ((c >> 8) & 255) < 80; }
  int count_red() const {
    int n = 0;
    for (uint32_t c : px) n += red(c);
    return n;
  }
};

}  // namespace

TEST(FigurePng, SavesPngWithRequestedSize) {
  const fs::path p = scratch_dir() / "size.png";
  Figure f(320, 240);
  f.set_title("title");
  f.set_labels("x", "y");
  f.scatter({0, 1, 2}, {3, 1, 2}, kRed, 3, "points");
  f.save_png(p.string());
  ASSERT_TRUE(fs::exists(p));
  auto b = read_bytes(p);
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ASSERT_GE(b.size(), 8u);
  EXPECT_TRUE(std::equal(sig, sig + 8, b.begin()));
  EXPECT_EQ(png_size(p), std::make_pair(320, 240));
  EXPECT_FALSE(fs::exists(pfgm::io::temporary_path(p.string())));
}

TEST(FigurePng, ScatterIsRedWhereThePointsAre) {
  const fs::path p = scratch_dir() / "red.png";
  Figure f(300, 300);
  f.set_limits(0, 1, 0, 1);
  f.scatter({0.25, 0.7}, {0.5, 0.3}, kRed, 4);
  f.save_png(p.string());
  Image img(p);
  ASSERT_EQ(img.w, 300);
  for (auto [x, y] : {std::pair{0.25, 0.5}, {0.7, 0.3}}) {
    auto [u, v] = f.to_pixel(x, y);
    ASSERT_TRUE(u > 0 && u < 300 && v > 0 && v < 300);
    EXPECT_TRUE(Image::red(img.at(u, v))) << "no red at data (" << x << ", " << y << ")";
  }
  auto [u, v] = f.to_pixel(0.6, 0.8);
  EXPECT_FALSE(Image::red(img.at(u, v)));
  EXPECT_GT(img.count_red(), 20);
}

TEST(FigurePng, EmptyFigureSavesWithDefaultLimits) {
  const fs::path p = scratch_dir() / "empty.png";
  Figure f(200, 200);
  f.save_png(p.string());
  Image img(p);
  EXPECT_EQ(img.count_red(), 0);
  Figure g(200, 200);
  g.set_log_y(true);
  g.set_title("empty log");
  EXPECT_NO_THROW(g.save_png(p.string()));
  // Default limits are [0, 1] (log: [1, 10]): the corners of the plot area.
  auto [x0, y0] = f.to_pixel(0, 0);
  auto [x1, y1] = f.to_pixel(1, 1);
  EXPECT_LT(x0, x1);
  EXPECT_GT(y0, y1);
  EXPECT_NEAR(g.to_pixel(0, 1).second, y0, 1e-9);
}

TEST(FigurePng, NonFinitePointsBreakTheLine) {
  const fs::path p = scratch_dir() / "break.png";
  const double nan = std::nan("");
  Figure f(300, 300);
  f.set_limits(0, 1, 0, 1);
  f.line({0, 0.4, nan, 0.6, 1}, {0.5, 0.5, 0.5, 0.5, 0.5}, kBlue, 3);
  f.save_png(p.string());
  Image img(p);
  auto [ua, va] = f.to_pixel(0.2, 0.5);
  auto [ub, vb] = f.to_pixel(0.8, 0.5);
  auto [uc, vc] = f.to_pixel(0.5, 0.5);
  EXPECT_TRUE(Image::blue(img.at(ua, va)));
  EXPECT_TRUE(Image::blue(img.at(ub, vb)));
  EXPECT_FALSE(Image::blue(img.at(uc, vc)));
}

TEST(FigurePng, LogYMapsDecadesEvenly) {
  Figure f(400, 300);
  f.set_log_y(true);
  f.line({0, 1, 2, 3}, {1000, 0, 10, 1}, kBlue);  // y = 0 is left out on a log axis
  const double a = f.to_pixel(0, 1).second, b = f.to_pixel(0, 10).second;
  const double c = f.to_pixel(0, 100).second;
  EXPECT_GT(a, b);
  EXPECT_NEAR(a - b, b - c, 1e-6);
  f.set_limits(0, 3, 0, 10);
  EXPECT_THROW(f.save_png((scratch_dir() / "log.png").string()), pfgm::Error);
}

TEST(FigureArgs, BadArgumentsThrow) {
  Figure f(100, 100);
  EXPECT_THROW(f.scatter({1, 2}, {1}, kRed), pfgm::Error);
  EXPECT_THROW(f.line({1}, {1, 2}, kRed), pfgm::Error);
  EXPECT_THROW(f.arrows({1}, {1}, {1, 2}, {1}, kRed), pfgm::Error);
  EXPECT_THROW(f.scatter({1}, {1}, Color{2, 0, 0}), pfgm::Error);
  EXPECT_THROW(f.scatter({1}, {1}, kRed, -1), pfgm::Error);
  EXPECT_THROW(f.set_limits(1, 0, 0, 1), pfgm::Error);
  EXPECT_THROW(f.set_limits(0, 1, 0, std::nan("")), pfgm::Error);
  EXPECT_THROW(Figure(0, 100), pfgm::Error);
  EXPECT_THROW(pfgm::plot::save_panels_png({}, 1, "x.png"), pfgm::Error);
  EXPECT_THROW(pfgm::plot::save_panels_png({&f}, 0, "x.png"), pfgm::Error);
  EXPECT_THROW(pfgm::plot::save_panels_png({nullptr}, 1, "x.png"), pfgm::Error);
}

TEST(FigurePng, BadPathThrowsAndLeavesNoFile) {
  const fs::path dir = scratch_dir();
  const fs::path missing = dir / "no_such_folder" / "plot.png";
  Figure f(100, 100);
  f.scatter({0}, {0}, kRed);
  try {
    f.save_png(missing.string());
    FAIL() << "expected pfgm::Error";
  } catch (const pfgm::Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(missing));
  // The target is a folder: the PNG is written, the rename fails, the temporary is removed.
  const fs::path folder = dir / "a_folder";
  fs::create_directories(folder / "inside");
  EXPECT_THROW(f.save_png(folder.string()), pfgm::Error);
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_FALSE(fs::exists(pfgm::io::temporary_path(folder.string())));
}

TEST(PlotPanels, GridOfPanels) {
  const fs::path p = scratch_dir() / "panels.png";
  Figure a(200, 150), b(200, 150), c(180, 120);
  a.scatter({0, 1}, {0, 1}, kRed, 3);
  pfgm::plot::save_panels_png({&a, &b, &c}, 3, p.string());
  EXPECT_EQ(png_size(p), std::make_pair(600, 150));
  pfgm::plot::save_panels_png({&a, &b, &c}, 2, p.string());
  EXPECT_EQ(png_size(p), std::make_pair(400, 300));
  Image img(p);
  auto [u, v] = a.to_pixel(1, 1);  // first panel sits at the origin
  EXPECT_TRUE(Image::red(img.at(u, v)));
}

// A demo picture with large series: 20,000 translucent dots and 200 trajectories of 100 points.
TEST(PlotDemo, LargeSeriesRenderFast) {
  std::mt19937 gen(0);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0, 3.14159);
  std::vector<double> dx, dy, sx, sy;
  for (int i = 0; i < 20000; ++i) {  // two moons
    const double t = uniform(gen);
    const bool upper = i % 2;
    dx.push_back((upper ? std::cos(t) : 1 - std::cos(t)) + 0.08 * normal(gen));
    dy.push_back((upper ? std::sin(t) : 0.5 - std::sin(t)) + 0.08 * normal(gen));
    sx.push_back(dx.back() + 0.1 * normal(gen));
    sy.push_back(dy.back() + 0.1 * normal(gen));
  }
  Figure data(500, 500), samples(500, 500), paths(500, 500), loss(500, 500);
  data.set_title("data");
  data.set_labels("x1", "x2");
  data.scatter(dx, dy, {0.12, 0.47, 0.71, 0.25}, 1.5, "two moons");
  samples.set_title("samples");
  samples.set_labels("x1", "x2");
  samples.scatter(sx, sy, {0.84, 0.15, 0.16, 0.25}, 1.5, "generated");
  paths.set_title("trajectories");
  paths.set_labels("x1", "x2");
  paths.set_limits(-3, 3, -3, 3);
  for (int k = 0; k < 200; ++k) {
    std::vector<double> px, py;
    const double x0 = 2.5 * normal(gen), y0 = 2.5 * normal(gen);
    for (int t = 0; t < 100; ++t) {
      const double s = t / 99.0, w = s * s * (3 - 2 * s);
      px.push_back((1 - w) * x0 + w * dx[k] + 0.1 * std::sin(6 * s + k));
      py.push_back((1 - w) * y0 + w * dy[k]);
    }
    paths.line(px, py, pfgm::plot::palette(k), 0.8, k == 0 ? "ODE path" : "");
  }
  std::vector<double> ax, ay, au, av;
  for (int i = -2; i <= 2; ++i)
    for (int j = -2; j <= 2; ++j) {
      ax.push_back(i), ay.push_back(j), au.push_back(-0.25 * i), av.push_back(-0.25 * j);
    }
  paths.arrows(ax, ay, au, av, {0, 0, 0, 0.8}, 1.5, "field");
  loss.set_title("training loss");
  loss.set_labels("step", "loss");
  loss.set_log_y(true);
  std::vector<double> steps, values, smooth;
  for (int t = 0; t < 5000; t += 10) {
    steps.push_back(t);
    smooth.push_back(2.0 * std::exp(-t / 800.0) + 0.004);
    values.push_back(smooth.back() * std::exp(0.3 * normal(gen)));
  }
  loss.line(steps, values, {0.6, 0.6, 0.6}, 1.0, "batch");
  loss.line(steps, smooth, pfgm::plot::palette(0), 2.0, "average");

  const char* keep = std::getenv("PFGM_PLOT_DEMO");
  const fs::path p = keep ? fs::path(keep) : scratch_dir() / "demo.png";
  const auto start = std::chrono::steady_clock::now();
  pfgm::plot::save_panels_png({&data, &samples, &paths, &loss}, 2, p.string());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  EXPECT_EQ(png_size(p), std::make_pair(1000, 1000));
  RecordProperty("render_seconds", std::to_string(seconds));
  std::cout << "demo rendered in " << seconds << " s to " << p << "\n";
}
