// The README's configuration table must be the one generated from the code's table of
// variables (environment_variables.h); these tests fail when someone adds, renames or
// re-describes a variable without regenerating the README.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gatetrace/config/environment_variables.h"
#include "tools/config_table.h"

namespace gatetrace::tools {
namespace {

std::string read_readme() {
  std::ifstream in(std::string(GATETRACE_SOURCE_DIR) + "/README.md", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(ReadmeConfigTable, MatchesTheCodesTable) {
  const std::string readme = read_readme();
  ASSERT_FALSE(readme.empty()) << "cannot read " GATETRACE_SOURCE_DIR "/README.md";
  const auto section = readme_config_table(readme);
  ASSERT_TRUE(section.has_value())
      << "README.md needs one line '" << kConfigTableBegin << "' followed by one line '"
      << kConfigTableEnd << "' around the configuration table";
  EXPECT_EQ(*section, config_table_markdown())
      << "README.md's configuration table differs from src/gatetrace/config/"
         "environment_variables.h. Regenerate it: cmake --build <build> --target "
         "gatetrace-config-table && <build>/src/tools/gatetrace-config-table --update "
         "README.md";
}

TEST(ReadmeConfigTable, HasOneRowPerVariableInTheCodesOrder) {
  const std::string table = config_table_markdown();
  std::size_t position = 0;
  for (const EnvVarInfo& var : kEnvVars) {
    const std::string cell = "\n| `" + std::string(var.name) + "` |";
    const std::size_t found = table.find(cell, position);
    ASSERT_NE(found, std::string::npos) << var.name << " missing or out of order";
    EXPECT_EQ(table.find(cell, found + 1), std::string::npos) << var.name << " repeated";
    position = found;
  }
  std::size_t lines = 0;
  for (char c : table) lines += c == '\n';
  EXPECT_EQ(lines, kEnvVarCount + 2);  // header, separator, one row per variable
}

TEST(ReadmeConfigTable, RowShowsTypeDefaultAndDescription) {
  const std::string table = config_table_markdown();
  const EnvVarInfo& port = info(EnvVar::DD_TRACE_AGENT_PORT);
  const std::string row = "| `DD_TRACE_AGENT_PORT` | " + std::string(port.type) + " | `" +
                          std::string(port.default_value) + "` | " + std::string(port.description) +
                          " |\n";
  EXPECT_NE(table.find(row), std::string::npos) << table;
  EXPECT_EQ(table.rfind("| Variable | Type | Default | Description |\n", 0), 0u);
}

TEST(ReadmeConfigTable, CellsEscapePipesAndLineBreaks) {
  EXPECT_EQ(markdown_cell("a|b\nc"), "a\\|b c");
}

TEST(ReadmeConfigTable, DetectsAStaleTable) {
  const std::string table = config_table_markdown();
  const std::string fresh = "# Title\n\n" + std::string(kConfigTableBegin) + "\n\n" + table + "\n" +
                            std::string(kConfigTableEnd) + "\n\nMore prose.\n";
  ASSERT_EQ(readme_config_table(fresh), table);

  std::string stale = fresh;
  stale.replace(stale.find("DD_TRACE_AGENT_PORT"), 3, "XX_");
  ASSERT_TRUE(readme_config_table(stale).has_value());
  EXPECT_NE(*readme_config_table(stale), table);
}

TEST(ReadmeConfigTable, UpdateReplacesOnlyTheSection) {
  const std::string before = "# Title\n\nIntro.\n\n" + std::string(kConfigTableBegin) +
                             "\nold table\n" + std::string(kConfigTableEnd) + "\n\nOutro.\n";
  const auto updated = with_config_table(before, "| new |\n");
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(*updated, "# Title\n\nIntro.\n\n" + std::string(kConfigTableBegin) + "\n\n| new |\n\n" +
                          std::string(kConfigTableEnd) + "\n\nOutro.\n");
  EXPECT_EQ(readme_config_table(*updated), "| new |\n");
  // Updating an up-to-date README changes nothing.
  EXPECT_EQ(with_config_table(*updated, "| new |\n"), updated);
}

TEST(ReadmeConfigTable, RejectsMissingRepeatedOrMisorderedMarkers) {
  const std::string begin(kConfigTableBegin);
  const std::string end(kConfigTableEnd);
  EXPECT_FALSE(readme_config_table("no markers\n").has_value());
  EXPECT_FALSE(readme_config_table(begin + "\nx\n").has_value());
  EXPECT_FALSE(readme_config_table(end + "\nx\n" + begin + "\n").has_value());
  EXPECT_FALSE(readme_config_table(begin + "\nx\n" + end + "\n" + end + "\n").has_value());
  EXPECT_FALSE(with_config_table(begin + "\nx\n", "t").has_value());
  EXPECT_TRUE(readme_config_table(begin + "\n" + end + "\n").has_value());
}

}  // namespace
}  // namespace gatetrace::tools
