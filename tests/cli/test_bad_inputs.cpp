// The bad-input corpus (tests/bad_inputs/cases.txt): every case exits 1 or 2 with one line on
// stderr naming the file or flag, writes nothing (its output folder stays empty), and leaves the
// corpus folder unchanged.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <fstream>

#include "cli/cli_runner.h"
#include "test_paths.h"

using namespace cli_test;

namespace {

struct BadInput {
  std::string name, names, says, args;
};
void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

std::string corpus_dir() { return pfgm::test_paths::fixtures_dir() + "/../bad_inputs"; }

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<BadInput> load_cases() {
  std::vector<BadInput> cases;
  std::ifstream in(corpus_dir() + "/cases.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    for (size_t start = 0;;) {
      const auto bar = line.find(" | ", start);
      f.push_back(trim(line.substr(start, bar == std::string::npos ? std::string::npos : bar - start)));
      if (bar == std::string::npos) break;
      start = bar + 3;
    }
    if (f.size() == 4) cases.push_back({f[0], f[1], f[2], f[3]});
    else cases.push_back({"malformed line: " + line, "", "", ""});
  }
  return cases;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

// Every path under `root` with its size, one per line: a fingerprint of the folder.
std::string listing(const std::string& root) {
  std::string out;
  for (const auto& name : files_in(root)) {
    const std::string p = root + "/" + name;
    struct stat s;
    if (::lstat(p.c_str(), &s) != 0) continue;
    out += name + " " + std::to_string(s.st_size) + "\n";
    if (S_ISDIR(s.st_mode)) out += listing(p);
  }
  return out;
}

class BadInputs : public testing::TestWithParam<BadInput> {};

TEST_P(BadInputs, OneLineErrorNamingTheInputAndNothingWritten) {
  const auto& c = GetParam();
  ASSERT_FALSE(c.args.empty()) << c.name;
  static int counter = 0;
  const std::string parent = dir() + "/bad_input_" + std::to_string(++counter), out = parent + "/out";
  const std::string fifo = dir() + "/bad_input.fifo";
  ASSERT_EQ(::mkdir(parent.c_str(), 0755), 0);
  if (!exists(fifo)) ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto fill = [&](std::string s) {
    s = replace_all(s, "{in}", corpus_dir());
    s = replace_all(s, "{out}", out);
    s = replace_all(s, "{fifo}", fifo);
    return replace_all(s, "{fixtures}", pfgm::test_paths::fixtures_dir());
  };
  const std::string before = listing(corpus_dir());
  const std::string err_file = dir() + "/bad_input_stderr.txt";
  // A time limit: a case that is (wrongly) accepted must not start a long job or block on the pipe.
  const std::string cmd = "timeout 120 " + pfgm::test_paths::pfgm_binary() + " " + fill(c.args) + " > /dev/null 2> " + err_file;
  const int rc = std::system(cmd.c_str());
  const int status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  const std::string err = slurp(err_file);
  EXPECT_TRUE(status == 1 || status == 2) << c.name << ": exit status " << status << ", " << err;
  EXPECT_EQ(lines(err), 1) << c.name << ": " << err;
  EXPECT_NE(err.find(fill(c.names)), std::string::npos) << c.name << ": the error does not name " << fill(c.names) << ": " << err;
  EXPECT_NE(err.find(c.says), std::string::npos) << c.name << ": the error does not say '" << c.says << "': " << err;
  EXPECT_TRUE(files_in(parent).empty()) << c.name << ": wrote " << files_in(parent)[0] << " in " << parent;
  EXPECT_EQ(listing(corpus_dir()), before) << c.name << ": the corpus folder changed";
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInputs, testing::ValuesIn(load_cases()), [](const testing::TestParamInfo<BadInput>& i) {
  std::string id;
  for (const char ch : i.param.name) id += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return id + "_" + std::to_string(i.index);
});

}  // namespace
