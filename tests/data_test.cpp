// The data layer: every importer layout on small files written in that exact layout (headers,
// separators, byte-order marks, Windows line endings), thread-count independence of the parallel
// import, the binary dataset file (round trip, truncation, alteration), every class of bad input
// with its message, and the splits of each protocol by their defining property.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "engine/data/dataset_file.h"
#include "engine/data/split.h"
#include "engine/data/synth.h"
#include "engine/data/text_import.h"
#include "tests/error_expect.h"

namespace sr::test {
namespace {

namespace fs = std::filesystem;

Dataset imp(const std::string& path, const std::string& layout = "auto", int threads = 2,
            std::optional<Duplicates> dup = std::nullopt) {
  ImportOptions o;
  o.layout = layout;
  o.threads = threads;
  o.duplicates = dup;
  return import_text({path}, o);
}

// (user id, item id, rating, time ms) of every event, in dataset order.
using Row = std::tuple<int64_t, int64_t, float, int64_t>;
std::vector<Row> rows_of(const Dataset& d) {
  std::vector<Row> out;
  for (int64_t u = 0; u < d.n_users(); ++u)
    for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e)
      out.emplace_back(d.user_ids()[u], d.item_ids()[d.items()[e]], d.rating(e), d.time(e));
  return out;
}

void expect_same(const Dataset& a, const Dataset& b) {
  ASSERT_EQ(a.n_users(), b.n_users());
  ASSERT_EQ(a.n_items(), b.n_items());
  ASSERT_EQ(a.n_events(), b.n_events());
  EXPECT_TRUE(std::equal(a.row_ptr().begin(), a.row_ptr().end(), b.row_ptr().begin()));
  EXPECT_TRUE(std::equal(a.items().begin(), a.items().end(), b.items().begin()));
  EXPECT_EQ(a.has_ratings(), b.has_ratings());
  EXPECT_TRUE(std::equal(a.ratings().begin(), a.ratings().end(), b.ratings().begin()));
  EXPECT_EQ(a.has_time(), b.has_time());
  EXPECT_TRUE(std::equal(a.times().begin(), a.times().end(), b.times().begin()));
  EXPECT_TRUE(std::equal(a.user_ids().begin(), a.user_ids().end(), b.user_ids().begin()));
  EXPECT_TRUE(std::equal(a.item_ids().begin(), a.item_ids().end(), b.item_ids().begin()));
}

constexpr int64_t kDay = 86400000;

// ---------------------------------------------------------------- layouts

TEST(Layouts, MovieLens100kWithRecBoleHeaderCrlfAndMixedBlanks) {
  const auto p = temp_file("u.data",
                           "user_id:token\titem_id:token\trating:float\ttimestamp:float\r\n"
                           "196\t242\t3\t881250949\r\n"
                           "186 302  4 891717742\r\n"
                           "\r\n"
                           "196\t302\t5\t881250000\r\n"
                           "  22\t377\t1\t878887116");  // leading blanks, no final newline
  const Dataset d = imp(p);
  EXPECT_EQ(d.info().layout, "movielens-100k");
  EXPECT_EQ(d.info().feedback, Feedback::ratings);
  const std::vector<Row> want = {{22, 377, 1.0f, 878887116000},
                                 {186, 302, 4.0f, 891717742000},
                                 {196, 302, 5.0f, 881250000000},
                                 {196, 242, 3.0f, 881250949000}};  // by user, then time
  EXPECT_EQ(rows_of(d), want);
  EXPECT_EQ(std::vector<int64_t>(d.item_ids().begin(), d.item_ids().end()), (std::vector<int64_t>{242, 302, 377}));
  fs::remove(p);
}

TEST(Layouts, MovieLensDatWithDoubleColonsAndHalfStars) {
  const auto dir = temp_path("ml10m");
  fs::create_directories(dir);
  const std::string p = dir + "/ratings.dat";
  std::ofstream(p) << "1::122::5::838985046\n1::185::4.5::838983525\n2::122::0.5::868245777\n";
  const Dataset d = imp(p);
  EXPECT_EQ(d.info().layout, "movielens-dat");
  const std::vector<Row> want = {
      {1, 185, 4.5f, 838983525000}, {1, 122, 5.0f, 838985046000}, {2, 122, 0.5f, 868245777000}};
  EXPECT_EQ(rows_of(d), want);
  fs::remove_all(dir);
}

TEST(Layouts, MovieLensCsvWithByteOrderMarkHeaderAndCrlf) {
  const auto p = temp_file("ml-latest.csv",
                           "\xEF\xBB\xBFuserId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,3.5,964981247\r\n"
                           "610,170875,3.0,1493846415\r\n");
  const Dataset d = imp(p);
  EXPECT_EQ(d.info().layout, "movielens-csv");
  const std::vector<Row> want = {
      {1, 3, 3.5f, 964981247000}, {1, 1, 4.0f, 964982703000}, {610, 170875, 3.0f, 1493846415000}};
  EXPECT_EQ(rows_of(d), want);
  fs::remove(p);
}

TEST(Layouts, NetflixCombinedFileAndTrainingSetDirectoryAgree) {
  const std::string block1 = "1:\r\n1488844,3,2005-09-06\r\n822109,5,2005-05-13\r\n",
                    block2 = "2:\r\n822109,4,2005-05-13\r\n";
  const auto combined = temp_file("combined_data_1.txt", block1 + block2);
  const auto dir = temp_path("netflix");
  fs::create_directories(dir + "/training_set");
  std::ofstream(dir + "/training_set/mv_0000001.txt", std::ios::binary) << block1;
  std::ofstream(dir + "/training_set/mv_0000002.txt", std::ios::binary) << block2;
  const Dataset a = imp(combined), b = imp(dir);
  EXPECT_EQ(a.info().layout, "netflix");
  EXPECT_EQ(b.info().layout, "netflix");
  const int64_t may13 = 12916 * kDay, sep6 = 13032 * kDay;  // days since 1970-01-01
  // User 822109 rated both items on the same day: ties keep the input order (item 1, then 2).
  const std::vector<Row> want = {{822109, 1, 5.0f, may13}, {822109, 2, 4.0f, may13}, {1488844, 1, 3.0f, sep6}};
  EXPECT_EQ(rows_of(a), want);
  expect_same(a, b);
  fs::remove(combined);
  fs::remove_all(dir);
}

TEST(Layouts, Rsc15SessionsWithFractionalSecondsKeepRepeatedClicks) {
  const auto p = temp_file("train.tsv",
                           "SessionId\tItemId\tTime\n8\t214838855\t1396766998.728\n8\t214838855\t1396767132.647\n"
                           "3\t214716935\t1396437466.94\n3\t214832672\t1396438212.318\n");
  const Dataset d = imp(p);
  EXPECT_EQ(d.info().layout, "rsc15");
  EXPECT_EQ(d.info().feedback, Feedback::clicks);
  EXPECT_FALSE(d.has_ratings());
  const std::vector<Row> want = {{3, 214716935, 1.0f, 1396437466940},
                                 {3, 214832672, 1.0f, 1396438212318},
                                 {8, 214838855, 1.0f, 1396766998728},
                                 {8, 214838855, 1.0f, 1396767132647}};
  EXPECT_EQ(rows_of(d), want);
  fs::remove(p);
}

TEST(Layouts, YoochooseClicksWithIsoTimesAndCategories) {
  const auto p = temp_file("yoochoose-clicks.dat",
                           "1,2014-04-07T10:54:09.868Z,214536500,0\n1,2014-04-07T10:51:09.277Z,214536502,0\n"
                           "2,2014-04-07T13:56:37.614Z,214662742,S\n");
  const Dataset d = imp(p);
  EXPECT_EQ(d.info().layout, "yoochoose");
  const int64_t apr7 = 16167 * kDay;
  const std::vector<Row> want = {{1, 214536502, 1.0f, apr7 + (10 * 3600 + 51 * 60 + 9) * 1000 + 277},
                                 {1, 214536500, 1.0f, apr7 + (10 * 3600 + 54 * 60 + 9) * 1000 + 868},
                                 {2, 214662742, 1.0f, apr7 + (13 * 3600 + 56 * 60 + 37) * 1000 + 614}};
  EXPECT_EQ(rows_of(d), want);
  fs::remove(p);
}

TEST(Layouts, DigineticaSemicolonsWithMissingUserAndDatePlusOffset) {
  const auto p = temp_file("train-item-views.csv",
                           "sessionId;userId;itemId;timeframe;eventdate\n1;NA;81766;526309;2016-05-09\n"
                           "1;NA;31331;1031018;2016-05-09\n2;5;32118;243569;2016-05-10\n");
  const Dataset d = imp(p);
  EXPECT_EQ(d.info().layout, "diginetica");
  const int64_t may9 = 16930 * kDay;
  const std::vector<Row> want = {
      {1, 81766, 1.0f, may9 + 526309}, {1, 31331, 1.0f, may9 + 1031018}, {2, 32118, 1.0f, may9 + kDay + 243569}};
  EXPECT_EQ(rows_of(d), want);
  fs::remove(p);
}

TEST(Layouts, GenericCsvWithNamedColumns) {
  const auto p = temp_file("mine.txt", "item;junk;user;stars\n10;x;7;2.5\n11;y;7;4\n");
  ImportOptions o;
  o.layout = "csv";
  o.columns = "item,-,user,rating";
  o.separator = ";";
  o.rating_min = 0.0f;
  o.rating_max = 10.0f;
  const Dataset d = import_text({p}, o);
  EXPECT_FALSE(d.has_time());
  const std::vector<Row> want = {{7, 10, 2.5f, 0}, {7, 11, 4.0f, 0}};
  EXPECT_EQ(rows_of(d), want);
  o.columns = "item,user,user";
  expect_error([&] { import_text({p}, o); }, {"exactly one user column"});
  o.columns = "item,usr";
  expect_error([&] { import_text({p}, o); }, {"unknown column role 'usr'"});
  fs::remove(p);
}

TEST(Layouts, UnknownLayoutIsAskedFor) {
  const auto p = temp_file("mystery.txt", "a|b|c\n");
  expect_error([&] { imp(p); }, {"cannot tell the layout", "--layout"});
  expect_error([&] { imp(p, "movielens-1m"); }, {"unknown layout 'movielens-1m'", "movielens-dat"});
  fs::remove(p);
}

TEST(Layouts, ShortDecimalRatingsParseExactlyAsFromChars) {
  for (int v = 0; v < 1000000; ++v) {  // every value with two decimals up to 9999.99
    const std::string text = std::to_string(v / 100) + "." + (v % 100 < 10 ? "0" : "") + std::to_string(v % 100);
    float fast = -1.0f, slow = -2.0f;
    ASSERT_TRUE(parse_short_decimal(text.data(), text.data() + text.size(), fast)) << text;
    std::from_chars(text.data(), text.data() + text.size(), slow);
    ASSERT_EQ(fast, slow) << text;
  }
  for (const char* s : {"4", "3.5", "0.25", "123456"}) {
    float fast = -1.0f, slow = -2.0f;
    ASSERT_TRUE(parse_short_decimal(s, s + std::strlen(s), fast)) << s;
    std::from_chars(s, s + std::strlen(s), slow);
    EXPECT_EQ(fast, slow) << s;
  }
  float x;
  for (const char* s : {"", ".5", "4.", "4.125", "1e3", "-1", "1234567", "nan", "4.5x"})
    EXPECT_FALSE(parse_short_decimal(s, s + std::strlen(s), x)) << s;
}

// ---------------------------------------------------------------- the parallel import

class ThreadCount : public ::testing::TestWithParam<bool> {};

TEST_P(ThreadCount, ImportIsTheSameForAnyThreadCountAndEqualsTheGenerator) {
  SynthOptions o;
  o.users = 700, o.items = 300, o.events = 30011, o.clicks = GetParam(), o.seed = 7;
  const auto p = temp_path(o.clicks ? "synth.tsv" : "synth.csv");
  write_synthetic_text(p, o);
  const Dataset want = synthesize(o);
  for (int threads : {1, 2, 3, 8}) {
    SCOPED_TRACE(threads);
    expect_same(imp(p, "auto", threads), want);
  }
  fs::remove(p);
}
INSTANTIATE_TEST_SUITE_P(Data, ThreadCount, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "clicks" : "ratings"; });

TEST(ParallelImport, NetflixBlocksAreCutOnlyAtItemLines) {
  // The synthetic ratings written item-major, Netflix-style, in several files; any cut of the byte
  // ranges must land on an "item:" line for every thread to know its item.
  SynthOptions o;
  o.users = 400, o.items = 150, o.events = 20000, o.seed = 3;
  const Dataset src = synthesize(o);
  std::map<int64_t, std::vector<std::pair<int64_t, int>>> by_item;  // item id -> (user id, rating)
  for (int64_t u = 0; u < src.n_users(); ++u)
    for (int64_t e = src.row_begin(u); e < src.row_end(u); ++e)
      by_item[src.item_ids()[src.items()[e]]].push_back({src.user_ids()[u], static_cast<int>(src.rating(e))});
  std::vector<std::string> files;
  std::ofstream out;
  int n = 0;
  for (const auto& [item, list] : by_item) {
    if (n++ % 60 == 0) {
      out.close();
      files.push_back(temp_path("combined_data_" + std::to_string(files.size() + 1) + ".txt"));
      out.open(files.back());
    }
    out << item << ":\n";
    for (const auto& [user, rating] : list)
      out << user << "," << rating << ",2005-0" << 1 + user % 9 << "-1" << user % 7 << "\n";
  }
  out.close();
  ImportOptions opt;
  opt.threads = 1;
  const Dataset one = import_text(files, opt);
  EXPECT_EQ(one.info().layout, "netflix");
  EXPECT_EQ(one.n_events(), src.n_events());
  for (int threads : {2, 5, 16}) {
    SCOPED_TRACE(threads);
    opt.threads = threads;
    expect_same(import_text(files, opt), one);
  }
  for (const auto& f : files) fs::remove(f);
}

TEST(Generator, FinishesWhenUsersRateMostOfTheCatalogue) {
  // Users with 600 of 1000 items: their popularity draws empty the favourite genre (50 items),
  // whose draws must then fall back to the whole catalogue.
  SynthOptions o;
  o.users = 4, o.items = 1000, o.events = 2400, o.seed = 2;
  const Dataset d = synthesize(o);
  EXPECT_EQ(d.n_events(), 2400);
  for (int64_t u = 0; u < d.n_users(); ++u) {
    std::set<int32_t> items(d.items().begin() + d.row_begin(u), d.items().begin() + d.row_end(u));
    EXPECT_EQ(static_cast<int64_t>(items.size()), d.row_end(u) - d.row_begin(u)) << "user " << u << " repeats an item";
  }
}

// ---------------------------------------------------------------- the binary file

TEST(BinaryFile, RoundTripsAndDescribes) {
  for (bool clicks : {false, true}) {
    SynthOptions o;
    o.users = 50, o.items = 80, o.events = 900, o.clicks = clicks;
    const Dataset d = synthesize(o);
    const auto p = temp_path("round.srdata");
    save_dataset(p, d);
    EXPECT_TRUE(looks_like_dataset_file(p));
    const Dataset back = load_dataset(p);
    expect_same(back, d);
    EXPECT_EQ(back.info().feedback, d.info().feedback);
    EXPECT_EQ(back.info().source, d.info().source);
    const std::string text = describe_dataset(back);
    EXPECT_NE(text.find(clicks ? "sessions 50" : "users    50"), std::string::npos) << text;
    if (!clicks) {
      EXPECT_NE(text.find("ratings:"), std::string::npos) << text;
    }
    fs::remove(p);
  }
}

std::string read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(BinaryFile, TruncatedAlteredAndForeignFilesAreRefusedByName) {
  SynthOptions o;
  o.users = 30, o.items = 40, o.events = 300;
  const Dataset d = synthesize(o);
  const auto p = temp_path("good.srdata");
  save_dataset(p, d);
  const std::string bytes = read_all(p);
  for (size_t keep : {size_t{0}, size_t{20}, size_t{300}, bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(keep);
    const auto cut = temp_file("cut.srdata", bytes.substr(0, keep));
    if (keep == 0)
      expect_error([&] { load_dataset(cut); }, {"empty file"});
    else if (keep < 40)
      expect_error([&] { load_dataset(cut); }, {"cut.srdata", "not a sparserec dataset"});
    else
      expect_error([&] { load_dataset(cut); }, {"cut.srdata", "truncated"});
    fs::remove(cut);
  }
  // One flipped bit in each section is caught by that section's checksum. Where each probed
  // element lies in the file: load the image from (8-byte aligned) memory and take its pointers.
  std::vector<uint64_t> image((bytes.size() + 7) / 8);
  std::memcpy(image.data(), bytes.data(), bytes.size());
  const Dataset view = load_dataset_from_memory(image.data(), bytes.size(), "image", {});
  const char* base = reinterpret_cast<const char*>(image.data());
  const std::pair<const char*, const void*> probes[] = {
      {"row_ptr", view.row_ptr().data() + 3},   {"item", view.items().data() + 5},
      {"rating", view.ratings().data() + 7},    {"time", view.times().data() + 2},
      {"user_ids", view.user_ids().data() + 1}, {"item_ids", view.item_ids().data() + 4}};
  for (const auto& [section, ptr] : probes) {
    SCOPED_TRACE(section);
    std::string altered = bytes;
    altered[static_cast<size_t>(static_cast<const char*>(ptr) - base)] ^= 0x04;
    const auto alt = temp_file("alt.srdata", altered);
    expect_error([&] { load_dataset(alt); }, {"alt.srdata", "checksum mismatch in section", section});
    fs::remove(alt);
  }
  std::string header_hit = bytes;
  header_hit[13] ^= 0x01;  // the section count
  const auto hp = temp_file("hdr.srdata", header_hit);
  expect_error([&] { load_dataset(hp); }, {"hdr.srdata"});
  std::string version = bytes;
  version[8] = 9;
  const auto vp = temp_file("ver.srdata", version);
  expect_error([&] { load_dataset(vp); }, {"version 9", "import the data again"});
  const auto text = temp_file("text.srdata", "userId,movieId\n");
  expect_error([&] { load_dataset(text); }, {"not a sparserec dataset"});
  expect_error([&] { load_dataset("/nonexistent/x.srdata"); }, {"cannot open dataset", "/nonexistent/x.srdata"});
  for (const auto& f : {p, hp, vp, text}) fs::remove(f);
}

TEST(BinaryFile, AFailedWriteLeavesNothingBehind) {
  SynthOptions o;
  o.users = 5, o.items = 10, o.events = 10;
  const auto dir = temp_path("ro");
  expect_error([&] { save_dataset(dir + "/missing/x.srdata", synthesize(o)); }, {"cannot write", "x.srdata"});
  EXPECT_FALSE(fs::exists(dir + "/missing"));
}

// ---------------------------------------------------------------- bad input

struct BadCase {
  const char* name;
  const char* layout;
  const char* content;
  std::vector<const char*> parts;
};

TEST(BadInput, EveryClassNamesFileLineFieldAndPolicy) {
  const char* stop = "the import stopped and wrote nothing";
  const BadCase cases[] = {
      {"columns.tsv", "movielens-100k", "1\t2\t3\t4\n1\t2\t3\n", {":2:", "expected 4 fields", "found 3", stop}},
      {"extra.csv", "movielens-csv", "userId,movieId,rating,timestamp\n1,2,3,4,5\n", {":2:", "found 5"}},
      {"nonnumeric.tsv",
       "movielens-100k",
       "1\tx2\t3\t4\n",
       {":1:", "field 2:", "item 'x2' is not an integer id", stop}},
      {"rating.dat", "movielens-dat", "1::2::three::4\n", {":1:", "field 3:", "rating 'three' is not a finite number"}},
      {"nan.tsv", "movielens-100k", "1\t2\t3\t4\n1\t3\tnan\t4\n", {":2:", "field 3:", "'nan' is not a finite number"}},
      {"inf.csv", "movielens-csv", "1,2,inf,4\n", {":1:", "'inf' is not a finite number"}},
      {"range.tsv", "movielens-100k", "1\t2\t7\t4\n", {":1:", "field 3:", "rating 7 is outside [1.0, 5.0]", stop}},
      {"empty.tsv", "movielens-100k", "", {"holds no events", "nothing was written"}},
      {"header_only.csv", "movielens-csv", "userId,movieId,rating,timestamp\r\n", {"holds no events", "1 line(s)"}},
      {"dup.tsv",
       "movielens-100k",
       "1\t2\t3\t4\n5\t6\t1\t0\n1\t2\t4\t9\n",
       {":3: user 1 and item 2 again (first at ", "dup.tsv:1)", "duplicates are refused", "--duplicates last", stop}},
      {"big_id.tsv",
       "movielens-100k",
       "1\t2\t3\t4\n99999999999999999999\t2\t3\t4\n",
       {":2:", "field 1:", "user '99999999999999999999' does not fit in 63 bits"}},
      {"negative.tsv", "movielens-100k", "-3\t2\t3\t4\n", {":1:", "field 1:", "is negative"}},
      {"time.csv", "movielens-csv", "1,2,3,yesterday\n", {":1:", "field 4:", "time 'yesterday' is not Unix seconds"}},
      {"date.txt", "netflix", "1:\n5,3,2005-13-01\n", {":2:", "field 3:", "not a YYYY-MM-DD date"}},
      {"noitem.txt", "netflix", "5,3,2005-01-01\n", {":1:", "before any 'item:' line"}},
      {"iso.dat", "yoochoose", "1,2014-04-07 10:51,214536502,0\n", {":1:", "field 2:", "not an ISO 8601 time"}},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    const auto p = temp_file(c.name, c.content);
    try {
      imp(p, c.layout);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      const std::string m = e.what();
      for (const char* part : c.parts) EXPECT_NE(m.find(part), std::string::npos) << m;
      if (std::string(c.name) != "empty.tsv" && std::string(c.name) != "header_only.csv") {
        EXPECT_NE(m.find(std::string(c.name) + ":"), std::string::npos) << m;
      }
    }
    fs::remove(p);
  }
}

TEST(BadInput, TheFirstBadLineIsReportedWhicheverThreadFindsIt) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::to_string(1 + i % 97) + "\t" + std::to_string(1 + i / 97) + "\t3\t100\n";
  std::string late = text + "5\t5\tbad\t1\n", early = "5\t5\t9\t1\n" + late;
  const auto p = temp_file("late.tsv", late), q = temp_file("early.tsv", early);
  for (int threads : {1, 2, 4}) {
    expect_error([&] { imp(p, "movielens-100k", threads); }, {"late.tsv:50001:", "'bad'"});
    expect_error([&] { imp(q, "movielens-100k", threads); }, {"early.tsv:1:", "rating 9 is outside"});
  }
  fs::remove(p), fs::remove(q);
}

TEST(BadInput, DuplicatePoliciesLastAndKeep) {
  const auto p = temp_file("dups.tsv", "1\t2\t3\t40\n1\t2\t5\t10\n1\t7\t4\t20\n1\t2\t1\t30\n");
  const Dataset last = imp(p, "movielens-100k", 2, Duplicates::last);
  const std::vector<Row> want_last = {{1, 7, 4.0f, 20000}, {1, 2, 3.0f, 40000}};  // the latest rating of item 2 wins
  EXPECT_EQ(rows_of(last), want_last);
  const Dataset keep = imp(p, "movielens-100k", 2, Duplicates::keep);
  EXPECT_EQ(keep.n_events(), 4);
  EXPECT_THROW(parse_duplicates("first"), Error);
  fs::remove(p);
}

TEST(BadInput, IdsBeyond32BitsAreKeptExactly) {
  // Policy: ids are any non-negative 63-bit integers (hashes, RSC15's 2e8 item ids); only the number
  // of distinct ids must fit in 31 bits. They come back unchanged through the mapping.
  const int64_t big = (int64_t{1} << 40) + 3, bigger = INT64_MAX;
  const auto p = temp_file("wide.tsv", std::to_string(big) + "\t" + std::to_string(bigger) + "\t4\t1\n7\t5\t2\t2\n");
  const Dataset d = imp(p, "movielens-100k");
  const std::vector<Row> want = {{7, 5, 2.0f, 2000}, {big, bigger, 4.0f, 1000}};
  EXPECT_EQ(rows_of(d), want);
  EXPECT_EQ(d.user_index(big), 1);
  EXPECT_EQ(d.item_index(bigger), 1);
  EXPECT_EQ(d.item_index(6), -1);
  fs::remove(p);
}

TEST(ParallelImport, IdsCountedInEitherTableAreCountedOnce) {
  // A large id first (hash table), then enough small ones that the flat table grows past it, then
  // the large id again: its two events must both land in its row.
  std::string text = "1000000\t1\t3\t1\n";
  for (int u = 1; u <= 70000; ++u) text += std::to_string(u) + "\t1\t3\t2\n";
  text += "1000000\t2\t3\t3\n";
  const auto p = temp_file("spill.tsv", text);
  for (int threads : {1, 2}) {
    const Dataset d = imp(p, "movielens-100k", threads);
    EXPECT_EQ(d.n_events(), 70002);
    const int64_t u = d.user_index(1000000);
    ASSERT_GE(u, 0);
    EXPECT_EQ(d.row_end(u) - d.row_begin(u), 2);
  }
  fs::remove(p);
}

// ---------------------------------------------------------------- splits

Dataset small_ratings(uint64_t seed = 5) {
  SynthOptions o;
  o.users = 300, o.items = 400, o.events = 9000, o.seed = seed;
  return synthesize(o);
}

TEST(Splits, RandomHoldoutIsExactAndReproducibleBitForBit) {
  const Split a = random_holdout(100000, 0.1, 42), b = random_holdout(100000, 0.1, 42),
              c = random_holdout(100000, 0.1, 43);
  EXPECT_EQ(a.part, b.part);
  EXPECT_NE(a.part, c.part);
  EXPECT_EQ(a.count(Part::test), 10000);
  EXPECT_EQ(a.count(Part::train), 90000);
  // Uniform: each tenth of the events holds about a tenth of the test set.
  for (int k = 0; k < 10; ++k) {
    const auto n = std::count(a.part.begin() + k * 10000, a.part.begin() + (k + 1) * 10000, uint8_t(Part::test));
    EXPECT_NEAR(n, 1000, 150) << "tenth " << k;
  }
  Split v = a;
  carve_validation(v, 0.1, 42);
  EXPECT_EQ(v.count(Part::valid), 9000);
  EXPECT_EQ(v.count(Part::test), 10000);
  for (size_t i = 0; i < a.part.size(); ++i)
    if (v.part[i] == uint8_t(Part::valid)) {
      ASSERT_EQ(a.part[i], uint8_t(Part::train)) << "validation took a test event";
    }
  Split v2 = a;
  carve_validation(v2, 0.1, 42);
  EXPECT_EQ(v.part, v2.part);
}

TEST(Splits, LeaveOneOutHoldsOutEachUsersLatestWithTiesToTheLaterLine) {
  const Dataset d = small_ratings();
  const Split s = leave_one_out(d, true);
  const Split without = leave_one_out(d, false);
  for (int64_t u = 0; u < d.n_users(); ++u) {
    const int64_t b = d.row_begin(u), e = d.row_end(u);
    int64_t tests = 0, valids = 0;
    for (int64_t k = b; k < e; ++k) {
      tests += s.part[k] == uint8_t(Part::test);
      valids += s.part[k] == uint8_t(Part::valid);
      // The test targets do not depend on whether a validation part is carved.
      EXPECT_EQ(s.part[k] == uint8_t(Part::test), without.part[k] == uint8_t(Part::test)) << "user " << u;
    }
    if (e - b < 2) {
      EXPECT_EQ(tests + valids, 0);
      continue;
    }
    ASSERT_EQ(tests, 1);
    ASSERT_EQ(valids, e - b >= 3 ? 1 : 0);

    int64_t latest = b;
    for (int64_t k = b; k < e; ++k) latest = d.time(k) >= d.time(latest) ? k : latest;
    EXPECT_EQ(s.part[latest], uint8_t(Part::test)) << "user " << u;
  }
  // Equal times: the later line is the held-out one.
  const auto p = temp_file("ties.tsv", "1\t10\t3\t500\n1\t11\t3\t500\n1\t12\t3\t100\n2\t10\t1\t7\n2\t11\t1\t7\n");
  const Dataset t = imp(p, "movielens-100k");
  const Split ts = leave_one_out(t, false);
  for (int64_t u = 0; u < t.n_users(); ++u)
    for (int64_t k = t.row_begin(u); k < t.row_end(u); ++k)
      if (ts.part[k] == uint8_t(Part::test)) {
        EXPECT_EQ(t.item_ids()[t.items()[k]], 11) << "user " << t.user_ids()[u];
      }
  EXPECT_EQ(ts.count(Part::test), 2);
  // User 2 has two events: a test target with a validation part too, but no validation target.
  const Split tv = leave_one_out(t, true);
  EXPECT_EQ(tv.count(Part::test), 2);
  EXPECT_EQ(tv.count(Part::valid), 1);
  fs::remove(p);
}

TEST(Splits, HeldOutUsersFoldInAndTargetsAsMultVae) {
  const Dataset d = small_ratings();
  const Split s = heldout_users(d, 40, 0.2, 42, true);
  EXPECT_EQ(s.part, heldout_users(d, 40, 0.2, 42, true).part);
  std::vector<bool> train_item(static_cast<size_t>(d.n_items()), false);
  int test_users = 0, valid_users = 0;
  for (int64_t u = 0; u < d.n_users(); ++u) {
    std::set<uint8_t> parts;
    for (int64_t k = d.row_begin(u); k < d.row_end(u); ++k) parts.insert(s.part[k]);
    if (parts == std::set<uint8_t>{uint8_t(Part::train)})
      for (int64_t k = d.row_begin(u); k < d.row_end(u); ++k) train_item[d.items()[k]] = true;
    const bool test = parts.count(uint8_t(Part::test_foldin)), valid = parts.count(uint8_t(Part::valid_foldin));
    EXPECT_FALSE(test && valid) << "user " << u << " is both a test and a validation user";
    EXPECT_FALSE((test || valid) && parts.count(uint8_t(Part::train))) << "held-out user " << u << " in training";
    test_users += test, valid_users += valid;
  }
  EXPECT_EQ(test_users, 40);
  EXPECT_EQ(valid_users, 40);
  for (int64_t u = 0; u < d.n_users(); ++u) {
    int64_t foldin = 0, target = 0;
    for (int64_t k = d.row_begin(u); k < d.row_end(u); ++k) {
      const auto p = Part(s.part[k]);
      foldin += p == Part::test_foldin || p == Part::valid_foldin;
      target += p == Part::test || p == Part::valid;
      if (p == Part::dropped) {
        EXPECT_FALSE(train_item[d.items()[k]]);
      }
      if (p != Part::train && p != Part::dropped) {
        EXPECT_TRUE(train_item[d.items()[k]]);
      }
    }
    if (foldin + target >= 5) {
      EXPECT_EQ(target, static_cast<int64_t>(0.2 * static_cast<double>(foldin + target)));
    }
  }
}

TEST(Splits, SessionTimeSplitAsGru4Rec) {
  SynthOptions o;
  o.users = 2000, o.items = 300, o.events = 9000, o.clicks = true;
  const Dataset d = synthesize(o);
  const Split s = session_time_split(d, 30.0);
  EXPECT_EQ(s.part, session_time_split(d, 30.0).part);
  const int64_t t_max = *std::max_element(d.times().begin(), d.times().end()), cut = t_max - 30 * kDay;
  std::vector<bool> train_item(static_cast<size_t>(d.n_items()), false);
  for (int64_t u = 0; u < d.n_users(); ++u)
    for (int64_t k = d.row_begin(u); k < d.row_end(u); ++k)
      if (s.part[k] == uint8_t(Part::train)) train_item[d.items()[k]] = true;
  int64_t test_sessions = 0;
  for (int64_t u = 0; u < d.n_users(); ++u) {
    const int64_t b = d.row_begin(u), e = d.row_end(u);
    const bool ends_late = d.time(e - 1) > cut;
    int64_t test = 0;
    for (int64_t k = b; k < e; ++k) {
      EXPECT_EQ(s.part[k] == uint8_t(Part::train), !ends_late) << "session " << u;
      if (s.part[k] == uint8_t(Part::test)) {
        ++test;
        EXPECT_TRUE(train_item[d.items()[k]]);
      }
    }
    EXPECT_TRUE(test == 0 || test >= 2) << "a test session with one click";
    test_sessions += test > 0;
  }
  EXPECT_GT(test_sessions, 10);
  const auto p = temp_file("untimed.txt", "1;2\n");
  ImportOptions untimed;
  untimed.layout = "csv", untimed.columns = "user,item", untimed.separator = ";";
  expect_error([&] { session_time_split(import_text({p}, untimed), 1.0); }, {"needs timestamps"});
  fs::remove(p);
}

TEST(Splits, SampledNegativesAreUnseenDistinctAndSeeded) {
  const Dataset d = small_ratings();
  const auto a = sample_negatives(d, 99, 42), b = sample_negatives(d, 99, 42), c = sample_negatives(d, 99, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (int64_t u = 0; u < d.n_users(); ++u) {
    std::set<int32_t> seen(d.items().begin() + d.row_begin(u), d.items().begin() + d.row_end(u));
    std::set<int32_t> drawn(a.begin() + u * 99, a.begin() + (u + 1) * 99);
    EXPECT_EQ(drawn.size(), 99u) << "user " << u;
    for (int32_t i : drawn) EXPECT_FALSE(seen.count(i)) << "user " << u << " rated negative " << i;
  }
  int64_t most = 0;
  for (int64_t u = 0; u < d.n_users(); ++u) most = std::max(most, d.row_end(u) - d.row_begin(u));
  const int too_many = static_cast<int>(d.n_items() - most + 1);
  const std::string why = "fewer than " + std::to_string(too_many) + " remain";
  expect_error([&] { sample_negatives(d, too_many, 1); }, {why.c_str()});
}

// ---------------------------------------------------------------- the real click sample

TEST(RealData, Rsc15SampleImportsWithTheCountsOfItsReadme) {
  const std::string dir = SPARSEREC_SHARED_DATA_DIR "/rsc15-100k";
  if (!fs::exists(dir + "/train_full.tsv")) GTEST_SKIP() << "no " << dir << " on this machine";
  const Dataset train = imp(dir + "/train_full.tsv"), test = imp(dir + "/test.tsv");
  EXPECT_EQ(train.n_events(), 70278);
  EXPECT_EQ(train.n_users(), 17794);
  EXPECT_EQ(train.n_items(), 2933);
  EXPECT_EQ(test.n_events(), 13568);
  EXPECT_EQ(test.n_users(), 3416);
  // Test sessions start after training ends, as the README says.
  const int64_t train_end = *std::max_element(train.times().begin(), train.times().end());
  for (int64_t u = 0; u < test.n_users(); ++u) EXPECT_GT(test.time(test.row_begin(u)), train_end - kDay);
}

}  // namespace
}  // namespace sr::test
