// The intern table's request path (span_string.h): the per-thread cache keyed by a
// text's address and length, the doorkeeper that keeps one-off texts out of the table,
// the fixed ids of the tracer's own keys, the table once full, a recycled span keeping
// (or replacing) its texts, a recycled Meta naming keys from its old entries, keys
// first kept in the area and later interned, and several threads at once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gatetrace/span_data.h"
#include "gatetrace/span_keys.h"
#include "gatetrace/trace/span_pool.h"
#include "meta_keys.h"

namespace gatetrace {
namespace {

using testing::meta_keys;

// A text no other test uses, so that the doorkeeper has not seen it.
std::string unique_text(const char* prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "." + std::to_string(counter.fetch_add(1)) + "." +
         std::to_string(reinterpret_cast<std::uintptr_t>(&counter) & 0xfff);
}

TEST(SpanInternTest, FixedKeysHaveTheirIds) {
  const std::pair<std::uint32_t, const char*> keys[] = {
      {span_keys::kEnv, "env"},
      {span_keys::kVersion, "version"},
      {span_keys::kLanguage, "language"},
      {span_keys::kRuntimeId, "runtime-id"},
      {span_keys::kOrigin, "_dd.origin"},
      {span_keys::kTraceIdHigh, "_dd.p.tid"},
      {span_keys::kDecisionMaker, "_dd.p.dm"},
      {span_keys::kPropagationError, "_dd.propagation_error"},
      {span_keys::kParentId, "_dd.parent_id"},
      {span_keys::kSamplingPriority, "_sampling_priority_v1"},
      {span_keys::kBaseService, "_dd.base_service"},
      {span_keys::kProcessId, "process_id"},
      {span_keys::kAgentRate, "_dd.agent_psr"},
      {span_keys::kRuleRate, "_dd.rule_psr"},
      {span_keys::kLimitRate, "_dd.limit_psr"},
      {span_keys::kErrorMessage, "error.message"},
      {span_keys::kErrorType, "error.type"},
      {span_keys::kErrorStack, "error.stack"},
  };
  for (const auto& [id, text] : keys) {
    EXPECT_EQ(SpanString::interned(id)->view(), text);
    EXPECT_EQ(SpanString::interned(id)->id, id);
    EXPECT_EQ(SpanString::lookup(text), id) << text;
    EXPECT_EQ(SpanString::intern(std::string(text)), id) << text;
    EXPECT_EQ(SpanString::intern_guarded(std::string(text)), id) << text;
  }
  // Written by id, read by text, and the other way round.
  Meta meta;
  meta.set_known(span_keys::kEnv, "prod");
  meta.set("version", std::string_view("1.2"));
  EXPECT_EQ(*meta.find("env"), "prod");
  EXPECT_EQ(*meta.find_known(span_keys::kVersion), "1.2");
  meta.set("env", std::string_view("staging"));
  EXPECT_EQ(meta.size(), 2u);
  EXPECT_EQ(*meta.find_known(span_keys::kEnv), "staging");
}

TEST(SpanInternTest, DoorkeeperInternsATextSeenTwiceOnTheThread) {
  const std::string text = unique_text("doorkeeper");
  EXPECT_EQ(SpanString::lookup(text), 0u);
  EXPECT_EQ(SpanString::intern_guarded(text), 0u) << "first sight: not interned";
  EXPECT_EQ(SpanString::lookup(text), 0u) << "and not in the table";
  const std::uint32_t id = SpanString::intern_guarded(std::string(text));
  EXPECT_NE(id, 0u) << "second sight (another copy, same bytes): interned";
  EXPECT_EQ(SpanString::lookup(text), id);
  EXPECT_EQ(SpanString::interned(id)->view(), text);

  // A guarded SpanString holds an owned copy first, then the interned text.
  const std::string other = unique_text("doorkeeper.field");
  SpanString first;
  first.assign_guarded(other);
  EXPECT_TRUE(first.owned());
  EXPECT_EQ(first, other);
  SpanString second;
  second.assign_guarded(other);
  EXPECT_FALSE(second.owned());
  EXPECT_EQ(second, other);
  EXPECT_EQ(first, second);
}

TEST(SpanInternTest, DoorkeeperCountsPerThread) {
  const std::string text = unique_text("per.thread");
  EXPECT_EQ(SpanString::intern_guarded(text), 0u);
  std::uint32_t on_other_thread = 1;
  std::thread([&] { on_other_thread = SpanString::intern_guarded(text); }).join();
  EXPECT_EQ(on_other_thread, 0u) << "the other thread's first sight";
  EXPECT_EQ(SpanString::lookup(text), 0u);
  // Once one thread interned it, every thread finds it at once.
  const std::uint32_t id = SpanString::intern_guarded(text);
  ASSERT_NE(id, 0u);
  std::thread([&] { on_other_thread = SpanString::intern_guarded(text); }).join();
  EXPECT_EQ(on_other_thread, id);
}

TEST(SpanInternTest, HighCardinalityTextsStayOutOfTheTable) {
  std::vector<std::string> resources;
  std::vector<SpanData*> spans;
  for (int i = 0; i < 5000; ++i) {
    resources.push_back(unique_text("GET /users") + "/" + std::to_string(i));
    SpanData* span = acquire_span_data("web.request", "svc", resources.back());
    span->meta.set(unique_text("tag.key"), std::string_view("v"));
    spans.push_back(span);
  }
  for (std::size_t i = 0; i < spans.size(); ++i) {
    EXPECT_EQ(spans[i]->resource, resources[i]);
    EXPECT_TRUE(spans[i]->resource.owned());
    ASSERT_EQ(spans[i]->meta.size(), 1u);
    EXPECT_EQ(spans[i]->meta.at(0).second, "v");
    EXPECT_EQ(SpanString::lookup(resources[i]), 0u);
    EXPECT_EQ(SpanString::lookup(spans[i]->meta.at(0).first), 0u);
  }
  for (SpanData* span : spans) release_span_data(span);
}

TEST(SpanInternTest, LongTextsAreNeverInterned) {
  const std::string long_text(201, 'k');
  EXPECT_EQ(SpanString::intern(long_text), 0u);
  EXPECT_EQ(SpanString::intern_guarded(long_text), 0u);
  EXPECT_EQ(SpanString::intern_guarded(long_text), 0u);
  Meta meta;
  meta.set(long_text, std::string_view("a"));
  meta.set(long_text, std::string_view("b"));
  EXPECT_EQ(meta.size(), 1u);
  EXPECT_EQ(*meta.find(long_text), "b");
  // 33 to 200 bytes: interned, and found again through the cache's long compare.
  const std::string medium = unique_text(std::string(60, 'm').c_str());
  const std::uint32_t id = SpanString::intern(medium);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(SpanString::intern(medium), id);
  std::string changed = medium;
  changed[40] = 'x';
  EXPECT_NE(SpanString::intern(changed), id);
}

TEST(SpanInternTest, CacheComparesTheBytesNotOnlyTheAddress) {
  // One buffer, rewritten: the same address and length name different texts.
  char buffer[24];
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 300; ++i) {
    std::snprintf(buffer, sizeof buffer, "reused.buf.%05d", i);
    const std::string_view text(buffer, std::strlen(buffer));
    const std::uint32_t id = SpanString::intern(text);
    ASSERT_NE(id, 0u);
    EXPECT_EQ(SpanString::interned(id)->view(), text);
    ids.push_back(id);
  }
  for (int i = 0; i < 300; ++i) {
    std::snprintf(buffer, sizeof buffer, "reused.buf.%05d", i);
    EXPECT_EQ(SpanString::lookup(std::string_view(buffer, std::strlen(buffer))), ids[i]);
  }
  // Many texts at many addresses: the cache's slots collide and are replaced.
  std::vector<std::string> texts;
  for (int i = 0; i < 4000; ++i) texts.push_back("collide." + std::to_string(i));
  std::vector<std::uint32_t> first;
  for (const std::string& text : texts) first.push_back(SpanString::intern(text));
  for (std::size_t i = texts.size(); i-- > 0;) {
    EXPECT_EQ(SpanString::intern(texts[i]), first[i]);
    EXPECT_EQ(SpanString::lookup(std::string(texts[i])), first[i]);
    EXPECT_EQ(SpanString::interned(first[i])->view(), texts[i]);
  }
  // Texts of every length up to 40 bytes (the cache's word compares).
  for (std::size_t n = 1; n <= 40; ++n) {
    std::string a(n, 'a');
    std::string b = a;
    b[n / 2] = 'b';
    const std::uint32_t ia = SpanString::intern(a);
    const std::uint32_t ib = SpanString::intern(b);
    EXPECT_NE(ia, ib) << n;
    EXPECT_EQ(SpanString::intern(a), ia) << n;
    b.back() = 'c';
    EXPECT_NE(SpanString::intern(b), ia) << n;
  }
}

TEST(SpanInternTest, RecycledSpanKeepsEqualTextsAndReplacesOthers) {
  release_span_data(acquire_span_data("recycle.name", "recycle.svc", "GET /a", "web"));
  SpanData* span = acquire_span_data("recycle.name", "recycle.svc", "GET /a", "web");
  EXPECT_EQ(span->resource, "GET /a");
  EXPECT_EQ(span->type, "web");
  const char* name = span->name.data();
  const char* service = span->service.data();
  ASSERT_FALSE(span->name.owned());
  release_span_data(span);
  SpanData* again = acquire_span_data("recycle.name", "recycle.svc");
  EXPECT_EQ(again, span) << "the pool hands the same span back";
  EXPECT_EQ(again->name.data(), name) << "equal text: the same handle";
  EXPECT_EQ(again->service.data(), service);
  EXPECT_TRUE(again->resource.empty()) << "not given: empty, as in a new span";
  EXPECT_TRUE(again->type.empty());
  release_span_data(again);
  SpanData* other = acquire_span_data("recycle.other", "recycle.svc", "GET /b");
  EXPECT_EQ(other->name, "recycle.other");
  EXPECT_EQ(other->service, "recycle.svc");
  EXPECT_EQ(other->resource, "GET /b");
  // A span holding an owned (long) text does not keep it in the pool.
  other->name = std::string(300, 'n');
  ASSERT_TRUE(other->name.owned());
  release_span_data(other);
  SpanData* next = acquire_span_data();
  EXPECT_TRUE(next->name.empty());
  EXPECT_TRUE(next->service.empty());
  EXPECT_TRUE(next->resource.empty());
  release_span_data(next);
}

TEST(SpanInternTest, RecycledSpanIsRenamedWhenAnyOneTextDiffers) {
  // acquire_span_data()'s inline case takes the recycled span only when all four texts
  // are equal; one differing text (or a text's prefix, or a longer one) sends it to
  // the naming path, which keeps the equal ones and replaces the other.
  const std::vector<std::vector<std::string>> asked = {
      {"recycle4.name", "recycle4.svc", "GET /r", "web"},
      {"recycle4.namX", "recycle4.svc", "GET /r", "web"},
      {"recycle4.name", "recycle4.sv", "GET /r", "web"},
      {"recycle4.name", "recycle4.svc", "GET /r/", "web"},
      {"recycle4.name", "recycle4.svc", "GET /r", ""},
      {"recycle4.name", "recycle4.svc", "", "web"},
      {"", "recycle4.svc", "GET /r", "web"},
      {"recycle4.name", "recycle4.svc", std::string(300, 'r'), "web"},
      {"recycle4.name", "recycle4.svc", "GET /r", "web"}};
  SpanData* span = acquire_span_data("recycle4.name", "recycle4.svc", "GET /r", "web");
  for (const auto& texts : asked) {
    release_span_data(span);
    SpanData* const recycled = acquire_span_data(texts[0], texts[1], texts[2], texts[3]);
    EXPECT_EQ(recycled, span) << "the pool hands the same span back";
    EXPECT_EQ(recycled->name, texts[0]);
    EXPECT_EQ(recycled->service, texts[1]);
    EXPECT_EQ(recycled->resource, texts[2]);
    EXPECT_EQ(recycled->type, texts[3]);
    EXPECT_EQ(recycled->span_id, 0u);
    EXPECT_TRUE(recycled->meta.empty());
    span = recycled;
  }
  release_span_data(span);
}

TEST(SpanInternTest, RecycledMetaNamesKeysFromItsOldEntries) {
  Meta meta;
  const std::vector<std::string> keys = {"old.a", "old.b", "old.c"};
  for (int round = 0; round < 3; ++round) {
    for (const std::string& key : keys) meta.set(key, std::string_view("v"));
    meta.clear();
  }
  // The same keys in another order, one new key, then one repeated.
  meta.set("old.c", std::string_view("1"));
  meta.set("new.key", std::string_view("2"));
  meta.set("old.a", std::string_view("3"));
  meta.set("old.c", std::string_view("4"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"old.c", "new.key", "old.a"}));
  EXPECT_EQ(*meta.find("old.c"), "4");
  EXPECT_EQ(*meta.find("new.key"), "2");
  EXPECT_EQ(*meta.find("old.a"), "3");
  EXPECT_FALSE(meta.find("old.b"));
  // Text written where entries were: the free space holds anything, and is read as an
  // entry only through the key's own record.
  meta.clear();
  meta.set("x", std::string(150, '\x01'));
  meta.clear();
  meta.set("old.a", std::string_view("5"));
  meta.set("old.b", std::string_view("6"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"old.a", "old.b"}));
}

TEST(SpanInternTest, KeyKeptInTheAreaThenInternedIsOneTag) {
  Meta meta;
  const std::string key = unique_text("area.then.table");
  meta.set(key, std::string_view("first"));  // first sight: kept in the area
  EXPECT_EQ(SpanString::lookup(key), 0u);
  meta.set("other", std::string_view("o"));
  const std::uint32_t id = SpanString::intern_guarded(key);  // now in the table
  ASSERT_NE(id, 0u);
  meta.set(key, std::string_view("second, longer than the first"));
  EXPECT_EQ(meta.size(), 2u);
  EXPECT_EQ(*meta.find(key), "second, longer than the first");
  EXPECT_EQ(*meta.find_known(id), "second, longer than the first");
  EXPECT_TRUE(meta.erase(key));
  EXPECT_FALSE(meta.find(key));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"other"}));
  // Copies keep the distinction.
  meta.set(key, std::string_view("third"));
  Meta copy = meta;
  EXPECT_EQ(*copy.find(key), "third");
  Meta moved = std::move(copy);
  EXPECT_EQ(*moved.find(key), "third");
}

TEST(SpanInternTest, ThreadsInternAndTagConcurrently) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 8;  // the doorkeeper may evict a text between two sightings
  const std::string shared_prefix = unique_text("concurrent");
  std::vector<std::vector<std::uint32_t>> ids(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        for (int i = 0; i < 100; ++i) {
          const std::string key = shared_prefix + "." + std::to_string(i);
          SpanData* span = acquire_span_data("concurrent.name", "svc");
          span->meta.set(key, std::string_view("shared"));
          span->meta.set(key + ".t" + std::to_string(t), std::string_view("own"));
          if (span->meta.size() != 2 || *span->meta.find(key) != "shared") ++failures;
          if (round == kRounds - 1) ids[t].push_back(SpanString::lookup(key));
          release_span_data(span);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(ids[t], ids[0]);
    for (std::uint32_t id : ids[t]) EXPECT_NE(id, 0u);
  }
}

TEST(SpanInternTest, KeyInternedElsewhereIsStoredByIdWhenSetOnceOnAFreshThread) {
  // A sampling rule's key, interned when the rules were compiled, then set once on a
  // request thread whose doorkeeper never saw it: found in the table, stored by id.
  std::string key = unique_text("rule.key");
  key.resize(30, 'k');
  const std::uint32_t id = SpanString::intern(key);
  ASSERT_NE(id, 0u);
  std::string one_off = unique_text("one.off.key");
  one_off.resize(30, 'o');
  const std::string value(150, 'v');  // 12 + 150 fits the inline area, 12 + 30 + 150 not
  bool by_id_inline = false, found_known = false, one_off_spilled = false, one_off_out = false;
  std::thread([&] {
    Meta meta;
    meta.set(std::string(key), value);
    by_id_inline = meta.heap_bytes() == 0;  // the key's text is not in the area
    found_known = meta.find_known(id) && *meta.find_known(id) == value;
    Meta other;
    other.set(one_off, value);
    one_off_spilled = other.heap_bytes() != 0;  // its text is
    one_off_out = SpanString::lookup(one_off) == 0;
  }).join();
  EXPECT_TRUE(by_id_inline);
  EXPECT_TRUE(found_known);
  EXPECT_TRUE(one_off_spilled);
  EXPECT_TRUE(one_off_out) << "the doorkeeper keeps a one-off text out of the table";
}

TEST(SpanInternTest, FixedKeysHaveOneFilterBitEach) {
  std::uint32_t bits = 0;
  for (std::uint32_t id = 1; id <= span_keys::kCount; ++id) {
    const detail::StringRecord* record = SpanString::interned(id);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->filter_bit(), id);
    EXPECT_EQ(bits & (1u << record->filter_bit()), 0u) << record->view();
    bits |= 1u << record->filter_bit();
  }
  // The HTTP helper's keys are among them.
  EXPECT_EQ(SpanString::lookup("http.status_code"), span_keys::kHttpStatusCode);
  EXPECT_EQ(SpanString::lookup("component"), span_keys::kComponent);
  EXPECT_EQ(SpanString::lookup("http.route"), span_keys::kHttpRoute);
  EXPECT_EQ(SpanString::lookup("http.url"), span_keys::kHttpUrl);
}

TEST(SpanInternTest, OtherKeysFilterBitComesFromTheirText) {
  // A key kept in the area has the bit it gets once interned.
  const std::string key = unique_text("bit.from.text");
  const std::uint8_t bit = SpanString::key_bit_of(key);
  EXPECT_LT(bit, 32u);
  const std::uint32_t id = SpanString::intern(key);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(SpanString::interned(id)->filter_bit(), bit);
}

TEST(SpanInternTest, RecordsHoldTheirFixstrRun) {
  for (std::size_t n = 0; n < 40; ++n) {
    const std::string text = unique_text("run").substr(0, 4) + std::string(n, 'r');
    const std::uint32_t id = SpanString::intern(text);
    ASSERT_NE(id, 0u);
    SpanString interned;
    interned.assign(text);
    SpanString owned;
    owned.assign_guarded(unique_text("o") + std::string(n, 'o'));  // first sight: owned
    ASSERT_TRUE(owned.owned());
    for (const detail::StringRecord* r : {SpanString::interned(id), owned.record()}) {
      if (r->size < detail::kFixstrLimit) {
        EXPECT_EQ(static_cast<unsigned>(r->msgpack_header), 0xa0u | r->size);
        EXPECT_EQ(std::string_view(r->fixstr_run() + 1, r->size), r->view());
        // The whole run is readable and defined: zeros past the text.
        for (std::size_t i = r->size + 1; i < detail::kFixstrLimit; ++i) {
          EXPECT_EQ(r->fixstr_run()[i], '\0');
        }
      } else {
        EXPECT_EQ(r->msgpack_header, 0u);
      }
    }
    EXPECT_EQ(interned.record(), SpanString::interned(id));
  }
  EXPECT_EQ(SpanString().record(), nullptr);
}

// In a child process: filling the table would change what the other tests see.
TEST(SpanInternDeathTest, FullTableGivesOwnedCopiesAndKeepsWhatItHas) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const std::uint32_t known = SpanString::intern("known.before.full");
        int added = 0;
        for (int i = 0; i < 200000; ++i) {
          if (SpanString::intern("fill." + std::to_string(i) + std::string(20, 'f')) == 0) break;
          ++added;
        }
        bool ok = added > 1000 && added < 65536;
        // Full: new texts are not interned, guarded or not; known ones still are.
        ok = ok && SpanString::intern("after.full") == 0;
        ok = ok && SpanString::intern_guarded("after.full.guarded") == 0;
        ok = ok && SpanString::intern_guarded("after.full.guarded") == 0;
        ok = ok && SpanString::intern("known.before.full") == known;
        ok = ok && SpanString::lookup(std::string("known.before.full")) == known;
        ok = ok && SpanString::intern("env") == span_keys::kEnv;
        SpanString text;
        text = "after.full.field";
        ok = ok && text.owned() && text == "after.full.field";
        Meta meta;
        meta.set("after.full.key", std::string_view("1"));
        meta.set("known.before.full", std::string_view("2"));
        meta.set("after.full.key", std::string_view("3"));
        ok = ok && meta.size() == 2 && *meta.find("after.full.key") == "3" &&
             *meta.find("known.before.full") == "2";
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace gatetrace
