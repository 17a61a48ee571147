// `pfgm encode | decode | interpolate | temperature` on a tiny untrained 8×8 grey DDPM++ saved by
// the test: the RK45 round trip is printed and small, decode reproduces encode's reconstructions,
// the τ = 1 column of temperature holds the ends of interpolate; bad inputs
// are one-line errors that write nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include <torch/types.h>

#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/io/npy.h"
#include "pfgm/io/png.h"
#include "pfgm/io/safetensors.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/presets.h"

#include "cli/cli_runner.h"

using namespace cli_test;
using torch::indexing::Slice;

namespace {

constexpr int64_t kRes = 8;

// An 8×8 grey SongUNet (DDPM++ with 8 channels), untrained, D = 128.
const std::string& network() {
  static const std::string path = [] {
    auto j = pfgm::networks::preset_config("tiny-ddpmpp");
    j["img_resolution"] = kRes;
    j["img_channels"] = 1;
    j["model_channels"] = 8;
    j["channel_mult"] = {1, 2};
    j["attn_resolutions"] = nlohmann::json::array();
    at::manual_seed(1);
    pfgm::networks::Model model(pfgm::networks::ModelConfig::from_json(j));
    const std::string p = dir() + "/latent-net.safetensors";
    pfgm::networks::save_model(p, model);
    return p;
  }();
  return path;
}

// n smooth images (a bright disc whose place depends on the index) as uint8 NHWC in an .npz.
torch::Tensor images(int64_t n, int64_t C, int64_t H) {
  auto x = torch::empty({n, H, H, C}, torch::kUInt8);
  auto a = x.accessor<uint8_t, 4>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t v = 0; v < H; ++v) {
        const double d = std::hypot(y - H * (0.3 + 0.1 * i), v - H * (0.6 - 0.1 * i));
        for (int64_t c = 0; c < C; ++c) a[i][y][v][c] = static_cast<uint8_t>(40 + 170 * std::exp(-d * d / 12.0) + 10 * c);
      }
  return x;
}

std::string write_npz(const std::string& name, int64_t n, int64_t C, int64_t H) {
  const std::string p = dir() + "/" + name;
  pfgm::io::write_npz(p, {{"x", images(n, C, H)}});
  return p;
}

torch::Tensor png(const std::string& path) { return pfgm::io::decode_png(slurp(path), path); }

// Tile (row, column) of a grid of kRes×kRes images with 2-pixel gaps.
torch::Tensor tile(const torch::Tensor& grid, int64_t row, int64_t col) {
  return grid.index({Slice(), Slice(2 + row * (kRes + 2), 2 + row * (kRes + 2) + kRes),
                     Slice(2 + col * (kRes + 2), 2 + col * (kRes + 2) + kRes)});
}

int64_t max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kInt32) - b.to(torch::kInt32)).abs().max().item<int32_t>();
}

const std::string kNet = " --device cpu --network ";

// One thread per run: the latent commands are small and run beside other tests.
Result run1(const std::string& args) { return run(args + " --threads 1", false); }

}  // namespace

TEST(LatentCli, EncodeDecodeRoundTrip) {
  const std::string npz = write_npz("in.npz", 3, 1, kRes), lat = dir() + "/lat.safetensors", grid = dir() + "/enc.png";
  auto r = run1("encode" + kNet + network() + " --images " + npz + " --num 3 --out " + lat + " --grid " + grid +
                " --rtol 1e-4 --atol 1e-4");
  ASSERT_EQ(r.status, 0) << r.err;
  // "round trip: max A RMS B (model units), max C RMS D (pixels of [0, 255]), uint8 max K; NFE encode E decode F"
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("round trip: max (\\S+) RMS (\\S+) \\(model units\\), max (\\S+) RMS (\\S+) "
                                                     "\\(pixels of \\[0, 255\\]\\), uint8 max (\\d+); NFE encode (\\d+) decode (\\d+)")))
      << r.out;
  const double max_model = std::stod(m[1]), rms_px = std::stod(m[4]);
  EXPECT_GT(max_model, 0);
  EXPECT_LT(max_model, 0.03) << r.out;  // ≈ c_out(σ_min)·F: D(x; σ_min) ends generation
  EXPECT_LT(rms_px, 1.0) << r.out;
  EXPECT_NEAR(std::stod(m[3]), 127.5 * max_model, 1e-3 * 127.5 * max_model + 1e-3);
  EXPECT_LE(std::stoi(m[5]), 4);
  EXPECT_GT(std::stoi(m[6]), 10);
  // The latents with how they were made.
  const auto f = pfgm::io::read_safetensors(lat);
  const auto& z = f.at("latents");
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{3, 1, kRes, kRes}));
  EXPECT_EQ(z.scalar_type(), torch::kFloat64);
  EXPECT_EQ(f.metadata.at("solver"), "rk45");
  EXPECT_EQ(f.metadata.at("network"), network());
  EXPECT_EQ(std::stod(f.metadata.at("sigma_max")), 80);
  EXPECT_EQ(std::stod(f.metadata.at("rtol")), 1e-4);
  EXPECT_GT(z.norm(2, {1, 2, 3}).min().item<double>(), 20);  // carried out to σ_max = 80
  // Grid: inputs, then reconstructions.
  const auto g = png(grid);
  EXPECT_EQ(g.sizes(), (std::vector<int64_t>{1, 2 * (kRes + 2) + 2, 3 * (kRes + 2) + 2}));
  const auto in = images(3, 1, kRes).permute({0, 3, 1, 2});
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(torch::equal(tile(g, 0, i), in[i])) << i;
    EXPECT_LE(max_diff(tile(g, 1, i), in[i]), 4) << i;
  }
  // decode (solver and tolerances from the file) gives the same reconstructions.
  const std::string out = dir() + "/dec";
  r = run1("decode" + kNet + network() + " --latents " + lat + " --outdir " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  for (int64_t i = 0; i < 3; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/%06lld.png", (long long)i);
    EXPECT_TRUE(torch::equal(png(out + name), tile(g, 1, i))) << i;
  }
  EXPECT_TRUE(exists(out + "/grid.png"));
}

TEST(LatentCli, InterpolateAndTemperatureShareTheSeedsLatents) {
  const std::string heun = " --solver heun --steps 6";
  auto r = run1("interpolate" + kNet + network() + heun + " --seeds 3,5 --frames 4 --out " + dir() + "/interp.png");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto ig = png(dir() + "/interp.png");
  EXPECT_EQ(ig.sizes(), (std::vector<int64_t>{1, kRes + 4, 4 * (kRes + 2) + 2}));
  const auto a = tile(ig, 0, 0), b = tile(ig, 0, 3);
  EXPECT_GT(max_diff(tile(ig, 0, 1), a), 0);  // the frames between differ from the ends
  EXPECT_GT(max_diff(a, b), 0);
  r = run1("temperature" + kNet + network() + heun + " --seeds 3,5 --temperatures 0.5,1,2 --out " + dir() + "/temp.png");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto tg = png(dir() + "/temp.png");
  EXPECT_EQ(tg.sizes(), (std::vector<int64_t>{1, 2 * (kRes + 2) + 2, 3 * (kRes + 2) + 2}));
  // τ = 1 is the seed's own sample, the interpolation's end (generate's image, as decode of the
  // prior draw is generate: Encoder.ModelEncodeDecodeInvertAndMatchGenerate).
  EXPECT_LE(max_diff(tile(tg, 0, 1), a), 1);
  EXPECT_LE(max_diff(tile(tg, 1, 1), b), 1);
  EXPECT_GT(max_diff(tile(tg, 0, 0), tile(tg, 0, 2)), 0);
  // Between two images: their encodings, so the ends come back as the images.
  const auto in = images(2, 1, kRes).permute({0, 3, 1, 2});
  const std::string pa = dir() + "/a.png", pb = dir() + "/b.png";
  pfgm::io::write_png(pa, in[0]);
  pfgm::io::write_png(pb, in[1]);
  r = run1("interpolate" + kNet + network() + " --images " + pa + "," + pb + " --frames 3 --rtol 1e-3 --atol 1e-3 --out " +
           dir() + "/interp2.png");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto i2 = png(dir() + "/interp2.png");
  EXPECT_LE(max_diff(tile(i2, 0, 0), in[0]), 2);
  EXPECT_LE(max_diff(tile(i2, 0, 2), in[1]), 2);
}

TEST(LatentCli, BadInputsAreOneLineErrorsAndWriteNothing) {
  const std::string lat = dir() + "/bad.safetensors", grid = dir() + "/bad.png";
  auto encode = [&](const std::string& images, const std::string& extra = "") {
    return run1("encode" + kNet + network() + " --images " + images + " --out " + lat + " --grid " + grid + extra);
  };
  auto r = encode(write_npz("rgb.npz", 2, 3, kRes));
  expect_one_line_error(r, "[--images]");
  EXPECT_NE(r.err.find("3×8×8"), std::string::npos) << r.err;
  r = encode(write_npz("small.npz", 2, 1, 4));
  expect_one_line_error(r, "takes 1×8×8");
  r = encode(write_npz("ok.npz", 2, 1, kRes), " --solver midpoint");
  expect_one_line_error(r, "[--solver]");
  EXPECT_FALSE(exists(lat));
  EXPECT_FALSE(exists(grid));

  const std::string out = dir() + "/dec_bad";
  r = run1("decode" + kNet + network() + " --latents " + dir() + "/none.safetensors --outdir " + out);
  expect_one_line_error(r, "[--latents]");
  pfgm::io::write_safetensors(dir() + "/rgb-latents.safetensors", {{"latents", torch::zeros({1, 3, kRes, kRes})}});
  r = run1("decode" + kNet + network() + " --latents " + dir() + "/rgb-latents.safetensors --outdir " + out);
  expect_one_line_error(r, "[--latents]");
  EXPECT_FALSE(exists(out));

  r = run1("temperature" + kNet + network() + " --temperatures 1,hot --out " + dir() + "/bad-temp.png");
  expect_one_line_error(r, "[--temperatures]");
  EXPECT_FALSE(exists(dir() + "/bad-temp.png"));
}
