// SpanTagWriter, the library's run of tag writes by fixed key id: whatever it writes, in
// whatever state the span's tags are, the span must end up as Span::set_tag /
// set_metric would have left it (same tags, same order, same sampling decision).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gatetrace/span_keys.h"
#include "gatetrace/trace/span_tag_writer.h"
#include "gatetrace/tracer.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

using testing::TestTracerSetup;
using Tags = std::vector<std::pair<std::string, std::string>>;

class SpanTagWriterTest : public ::testing::Test {
 protected:
  Tracer make_tracer() {
    auto config = setup_.config();
    config.startup_logs = false;
    // Default tags of the helper's keys: the writer then replaces existing tags.
    config.tags = Tags{{"component", "from-dd-tags"}, {"http.route", "/r"}};
    auto finalized = finalize_config(config);
    EXPECT_TRUE(finalized) << (finalized ? "" : finalized.error().message);
    return Tracer(*finalized);
  }
  // Tags of the span named `name`, as delivered.
  Tags delivered_tags(const std::string& name) const {
    Tags tags;
    // Kept: a range-for over a member of the temporary map would outlive the map.
    const auto spans = setup_.collector->spans_by_name();
    for (const auto& [key, value] : spans.at(name).meta) {
      tags.emplace_back(key, value);
    }
    return tags;
  }
  TestTracerSetup setup_;
};

// Runs a test's spans on a thread of their own: their recycled storage (per thread, see
// span_pool.h) then goes with it, and the long values written here do not change the
// areas that later tests in this process find in the main thread's pool.
template <typename F>
void on_own_thread(F&& f) {
  std::thread(std::forward<F>(f)).join();
}

// The writer's fixed-key and text-key writes with the set_tag calls they stand for.
template <std::uint32_t kKey>
void set_known_both(Span& by_set_tag, Span& by_writer, std::string_view value) {
  by_set_tag.set_tag(span_keys::kTexts[kKey], value);
  SpanTagWriter(by_writer).set_known<kKey>(value);
}

TEST_F(SpanTagWriterTest, FixedKeysAsSetTagWritesThem) {
  on_own_thread([&] {
    Tracer tracer = make_tracer();
    {
      Span a = tracer.create_span({.name = "a"});
      Span b = tracer.create_span({.name = "b"});
      // New keys, short and long values, an existing key (from DD_TAGS) shorter and longer,
      // the empty value, and a value over 64 bytes (Meta's slow path).
      set_known_both<span_keys::kSpanKind>(a, b, "server");
      set_known_both<span_keys::kComponent>(a, b, "cpp-httplib");
      set_known_both<span_keys::kHttpMethod>(a, b, "GET");
      set_known_both<span_keys::kHttpUrl>(a, b, "http://backend.internal/api/users/7?x=1");
      set_known_both<span_keys::kHttpClientIp>(a, b, "");
      set_known_both<span_keys::kHttpRoute>(a, b, std::string(70, 'r'));
      set_known_both<span_keys::kHttpUserAgent>(a, b, std::string(600, 'u'));
      set_known_both<span_keys::kHttpStatusCode>(a, b, "200");
      set_known_both<span_keys::kHttpStatusCode>(a, b, "4040");
      set_known_both<span_keys::kSpanKind>(a, b, "c");
      // A value read from the span's own tags (it may move while the tag is written).
      const std::string_view own_a = *a.lookup_tag("http.url");
      const std::string_view own_b = *b.lookup_tag("http.url");
      a.set_tag("http.route", own_a);
      SpanTagWriter(b).set_known<span_keys::kHttpRoute>(own_b);
      set_known_both<span_keys::kErrorMessage>(a, b, "message");
    }
    EXPECT_EQ(delivered_tags("a"), delivered_tags("b"));
    EXPECT_EQ(setup_.collector->spans_by_name().at("b").meta.find("http.route").value_or(""),
              "http://backend.internal/api/users/7?x=1");
  });
}

TEST_F(SpanTagWriterTest, TextKeysAsSetTagWritesThem) {
  on_own_thread([&] {
    Tracer tracer = make_tracer();
    {
      Span a = tracer.create_span({.name = "a"});
      Span b = tracer.create_span({.name = "b"});
      SpanTagWriter writer(b);
      // 11-byte keys that are not manual.keep/drop are stored; fixed keys given as text
      // are the same tags as by id; keys never seen before too.
      for (const auto& [key, value] : Tags{{"http.method", "POST"},
                                           {"region", "West Europe"},
                                           {"component", "text"},
                                           {"one-off-key-of-this-test", "v"},
                                           {"abcdefghijk", "11"},
                                           {"", "empty key"}}) {
        a.set_tag(key, value);
        writer.set(key, value);
      }
      a.set_metric("_dd.inferred_span", 1);
      writer.set_metric("_dd.inferred_span", 1);
      EXPECT_EQ(b.lookup_metric("_dd.inferred_span"), 1.0);
    }
    EXPECT_EQ(delivered_tags("a"), delivered_tags("b"));
  });
}

TEST_F(SpanTagWriterTest, ManualKeepAndDropGoThroughSetTag) {
  on_own_thread([&] {
    Tracer tracer = make_tracer();
    {
      Span kept = tracer.create_span({.name = "kept"});
      SpanTagWriter(kept).set("manual.keep", "");
      EXPECT_FALSE(kept.lookup_tag("manual.keep").has_value()) << "a decision, not a tag";
    }
    {
      Span dropped = tracer.create_span({.name = "dropped"});
      SpanTagWriter(dropped).set("manual.drop", "");
      EXPECT_FALSE(dropped.lookup_tag("manual.drop").has_value());
    }
    const auto chunks = setup_.collector->chunks();
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunks[0].sampling_priority, 2);
    EXPECT_EQ(chunks[1].sampling_priority, -1);
  });
}

TEST_F(SpanTagWriterTest, EmptyAndFinishedSpansAreLeftAlone) {
  on_own_thread([&] {
    Tracer tracer = make_tracer();
    Span empty;
    SpanTagWriter on_empty(empty);
    on_empty.set_known<span_keys::kHttpMethod>("GET");
    on_empty.set("region", "x");
    on_empty.set("manual.keep", "");
    on_empty.set_metric("m", 1);
    EXPECT_FALSE(empty.lookup_tag("http.method").has_value());

    Span finished = tracer.create_span({.name = "finished"});
    finished.finish();
    SpanTagWriter on_finished(finished);
    on_finished.set_known<span_keys::kHttpMethod>("GET");
    on_finished.set("region", "x");
    on_finished.set_metric("m", 1);
    for (const auto& [key, value] : delivered_tags("finished")) {
      EXPECT_NE(key, "http.method");
      EXPECT_NE(key, "region");
    }
  });
}

// Random runs of writes on recycled spans (whose storage remembers earlier keys),
// through set_tag on one span and the writer on the other.
TEST_F(SpanTagWriterTest, GeneratedRunsAsSetTag) {
  on_own_thread([&] {
    Tracer tracer = make_tracer();
    std::mt19937 rng(7);
    const std::vector<std::string> values = {"",
                                             "GET",
                                             "server",
                                             std::string(16, 'v'),
                                             std::string(33, 'w'),
                                             std::string(64, 'x'),
                                             std::string(65, 'y'),
                                             std::string(200, 'z')};
    const std::vector<std::string> text_keys = {"region",      "stage",      "apiid",
                                                "http.method", "account_id", "dd_resource_key"};
    for (int run = 0; run < 300; ++run) {
      {
        Span a = tracer.create_span({.name = "a"});
        Span b = tracer.create_span({.name = "b"});
        SpanTagWriter writer(b);
        const int writes = static_cast<int>(rng() % 24);
        for (int i = 0; i < writes; ++i) {
          const std::string& value = values[rng() % values.size()];
          switch (rng() % 10) {
            case 0:
              set_known_both<span_keys::kComponent>(a, b, value);
              break;
            case 1:
              set_known_both<span_keys::kSpanKind>(a, b, value);
              break;
            case 2:
              set_known_both<span_keys::kHttpMethod>(a, b, value);
              break;
            case 3:
              set_known_both<span_keys::kHttpUrl>(a, b, value);
              break;
            case 4:
              set_known_both<span_keys::kHttpClientIp>(a, b, value);
              break;
            case 5:
              set_known_both<span_keys::kHttpRoute>(a, b, value);
              break;
            case 6:
              set_known_both<span_keys::kHttpUserAgent>(a, b, value);
              break;
            case 7:
              set_known_both<span_keys::kHttpStatusCode>(a, b, value);
              break;
            default: {
              const std::string& key = text_keys[rng() % text_keys.size()];
              a.set_tag(key, value);
              writer.set(key, value);
              break;
            }
          }
        }
      }
      ASSERT_EQ(delivered_tags("a"), delivered_tags("b")) << "run " << run;
    }
  });
}

}  // namespace
}  // namespace gatetrace
