// `pfgm train` and `pfgm generate` on a small generated idx dataset: a short run leaves a snapshot
// and a grid; generated PNGs are byte-identical whatever --batch; bad data and flags are one-line
// errors that leave no run directory behind.
#include <gtest/gtest.h>
#include <zlib.h>

#include "cli/cli_runner.h"

using namespace cli_test;

namespace {

// 40 images of 28×28 (a bright square whose place depends on the index) and their labels.
std::string make_idx_dir(bool lying = false) {
  const std::string d = dir() + (lying ? "/idx_lying" : "/idx");
  ::mkdir(d.c_str(), 0755);
  auto header = [](std::vector<uint32_t> dims) {
    std::string s{'\0', '\0', '\x08', static_cast<char>(dims.size())};
    for (uint32_t v : dims)
      for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    return s;
  };
  std::string images = header({lying ? 41u : 40u, 28, 28}), labels = header({40});
  for (int i = 0; i < 40; ++i) {
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) images.push_back(static_cast<char>((y / 7 == i % 4 && x / 7 == i / 10) ? 230 : 10));
    labels.push_back(static_cast<char>(i % 10));
  }
  for (const auto& [name, bytes] : {std::pair{"train-images-idx3-ubyte.gz", images}, {"train-labels-idx1-ubyte.gz", labels}}) {
    gzFile f = gzopen((d + "/" + name).c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  }
  return d;
}

const std::string kSmall = " --cbase 8 --cres 1,2 --nblock 1 --iters 3 --batch 4 --grid 4 --steps 2 --device cpu";

}  // namespace

TEST(ImageCli, TrainThenGenerateIsBatchInvariant) {
  const std::string data = make_idx_dir(), run_dir = dir() + "/run";
  const auto r = run("train --data " + data + " --outdir " + run_dir + kSmall);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(run_dir + "/samples.png"));
  EXPECT_TRUE(exists(run_dir + "/network-snapshot-00000003.safetensors"));
  EXPECT_NE(r.out.find("sample grid: " + run_dir + "/samples.png"), std::string::npos) << r.out;
  for (const char* batch : {"1", "3"}) {
    const auto g = run("generate --network " + run_dir + " --outdir " + dir() + "/gen" + batch +
                       " --seeds 0-3 --steps 3 --device cpu --batch " + batch);
    ASSERT_EQ(g.status, 0) << g.err;
  }
  for (const char* f : {"000000.png", "000003.png", "grid.png"}) {
    const auto a = slurp(dir() + "/gen1/" + f), b = slurp(dir() + "/gen3/" + f);
    EXPECT_FALSE(a.empty()) << f;
    EXPECT_EQ(a, b) << f << " differs between --batch 1 and --batch 3";
  }
}

TEST(ImageCli, BadInputsAreOneLineErrors) {
  const std::string lying = make_idx_dir(true), run_dir = dir() + "/run_bad";
  auto r = run("train --data " + lying + " --outdir " + run_dir + kSmall);
  expect_one_line_error(r, "train-images-idx3-ubyte.gz");
  EXPECT_FALSE(exists(run_dir));
  r = run("train --data " + make_idx_dir() + " --outdir " + run_dir + " --resume " + dir() + "/nope.safetensors" + kSmall);
  expect_one_line_error(r, "[--resume]");
  r = run("generate --network " + dir() + "/nowhere --outdir " + dir() + "/gen_bad");
  expect_one_line_error(r, "[--network]");
  EXPECT_FALSE(exists(dir() + "/gen_bad"));
  r = run("train --aug_dim -3 --outdir " + run_dir);
  expect_one_line_error(r, "--aug_dim");
}
