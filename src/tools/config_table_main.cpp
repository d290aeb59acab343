// gatetrace-config-table: prints the README's configuration table from the code's one
// table of variables, or brings README.md up to date, or checks it.
//
//   gatetrace-config-table                    # print the Markdown table
//   gatetrace-config-table --update README.md # rewrite the section between the markers
//   gatetrace-config-table --check README.md  # exit 1 when the README's table is stale
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "tools/config_table.h"

namespace {

int usage() {
  std::cerr << "usage: gatetrace-config-table [--update README.md | --check README.md]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using gatetrace::tools::config_table_markdown;
  const std::string table = config_table_markdown();
  if (argc == 1) {
    std::cout << table;
    return 0;
  }
  if (argc != 3) return usage();
  const std::string mode = argv[1];
  const std::string path = argv[2];
  if (mode != "--update" && mode != "--check") return usage();

  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "gatetrace-config-table: cannot read " << path << "\n";
    return 1;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string readme = buffer.str();
  const auto updated = gatetrace::tools::with_config_table(readme, table);
  if (!updated) {
    std::cerr << "gatetrace-config-table: " << path << " needs one line '"
              << gatetrace::tools::kConfigTableBegin << "' followed by one line '"
              << gatetrace::tools::kConfigTableEnd << "'\n";
    return 1;
  }
  if (mode == "--check") {
    if (*updated == readme) return 0;
    std::cerr << "gatetrace-config-table: the configuration table in " << path
              << " is out of date; run gatetrace-config-table --update " << path << "\n";
    return 1;
  }
  if (*updated == readme) return 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << *updated;
  if (!out.flush()) {
    std::cerr << "gatetrace-config-table: cannot write " << path << "\n";
    return 1;
  }
  return 0;
}
