// Query-string obfuscation: Datadog's default pattern, a custom one, disabled, invalid,
// and inputs that must not cost or crash.
#include <gtest/gtest.h>

#include <string>

#include "gatetrace/http/query_obfuscator.h"
#include "support/recording_logger.h"

namespace gatetrace {
namespace {

std::string obfuscate(const QueryObfuscator& obfuscator, std::string url) {
  obfuscator.obfuscate_url(url);
  return url;
}

TEST(QueryObfuscator, DefaultPatternRedactsSecretsAndKeepsOrdinaryParameters) {
  QueryObfuscator obfuscator(std::nullopt, nullptr);
  ASSERT_TRUE(obfuscator.enabled());
  EXPECT_EQ(obfuscate(obfuscator, "http://h/p?token=abc&page=2"), "http://h/p?<redacted>&page=2");
  EXPECT_EQ(obfuscate(obfuscator, "http://h/p?user=bob&password=hunter2&sort=asc"),
            "http://h/p?user=bob&<redacted>&sort=asc");
  EXPECT_EQ(obfuscate(obfuscator, "/p?api_key=1234&q=shoes"), "/p?<redacted>&q=shoes");
  EXPECT_EQ(obfuscate(obfuscator, "/p?signature=ff00&expires=99"), "/p?<redacted>&expires=99");
  EXPECT_EQ(obfuscate(obfuscator, "/p?X-Amz-Signature=ff00"), "/p?X-Amz-<redacted>");
  EXPECT_EQ(obfuscate(obfuscator, "/p?PassWord=x"), "/p?<redacted>") << "(?i) applies";
  EXPECT_EQ(obfuscate(obfuscator, "/p?secret=a&access_key=b&pwd=c"),
            "/p?<redacted>&<redacted>&<redacted>");
  EXPECT_EQ(obfuscate(obfuscator, "/p?Authorization=Bearer%20abc.def"), "/p?<redacted>");
  EXPECT_EQ(obfuscate(obfuscator, "/search?q=shoes&page=2&size=10"),
            "/search?q=shoes&page=2&size=10");
  EXPECT_EQ(obfuscate(obfuscator, "/p?a=1#token=x"), "/p?a=1#token=x") << "fragment untouched";
}

TEST(QueryObfuscator, PathIsNeverObfuscated) {
  QueryObfuscator obfuscator(std::nullopt, nullptr);
  EXPECT_EQ(obfuscate(obfuscator, "http://h/token=abc/password=x"),
            "http://h/token=abc/password=x");
  EXPECT_EQ(obfuscate(obfuscator, "/token=abc?page=1"), "/token=abc?page=1");
  EXPECT_EQ(obfuscate(obfuscator, "/p?"), "/p?");
}

TEST(QueryObfuscator, CustomPattern) {
  QueryObfuscator obfuscator(std::string("ssn=[0-9]+"), nullptr);
  EXPECT_EQ(obfuscate(obfuscator, "/p?ssn=123&token=abc"), "/p?<redacted>&token=abc");
}

TEST(QueryObfuscator, EmptyPatternDisables) {
  QueryObfuscator obfuscator(std::string(), nullptr);
  EXPECT_FALSE(obfuscator.enabled());
  EXPECT_EQ(obfuscate(obfuscator, "/p?token=abc"), "/p?token=abc");
}

TEST(QueryObfuscator, InvalidPatternIsLoggedAndTheDefaultUsed) {
  testing::RecordingLogger logger;
  QueryObfuscator obfuscator(std::string("(unclosed"), &logger);
  EXPECT_EQ(logger.count_containing("DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP"), 1u);
  EXPECT_EQ(logger.count_containing("(unclosed"), 1u);
  ASSERT_EQ(logger.lines().size(), 1u);
  EXPECT_EQ(logger.lines()[0].first, LogLevel::kError);
  EXPECT_EQ(obfuscate(obfuscator, "/p?token=abc&a=1"), "/p?<redacted>&a=1");
}

TEST(QueryObfuscator, HugeQueryDoesNotCrash) {
  QueryObfuscator obfuscator(std::nullopt, nullptr);
  std::string url = "/p?";
  while (url.size() < 100 * 1024) url += "a=password&token=";
  url += "x";
  std::string result = obfuscate(obfuscator, url);
  EXPECT_EQ(result.rfind("/p?a=", 0), 0u);
  EXPECT_NE(result.find("<redacted>"), std::string::npos);
  EXPECT_LT(result.size(), url.size());

  // One long value with no separator, and one long run of a secret-looking prefix.
  std::string long_value = "/p?q=" + std::string(100 * 1024, 'x');
  EXPECT_EQ(obfuscate(obfuscator, long_value), long_value);
  std::string long_token = "/p?token=" + std::string(100 * 1024, '%');
  EXPECT_EQ(obfuscate(obfuscator, long_token), "/p?<redacted>");
}

}  // namespace
}  // namespace gatetrace
