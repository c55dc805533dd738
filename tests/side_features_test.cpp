// Side features (engine/data/side_features.h): each reader on a few lines in its file's exact
// layout (MovieLens 100K's u.item and u.user, ML-1M's movies.dat and users.dat, ml-latest's
// movies.csv, a file with a field list), rows following the dataset's indices with ids the data
// lacks skipped and entities the file lacks empty; bad files refused naming file:line; the
// features stored in the binary dataset and read back equal, a damaged feature section refused;
// the fields as a pair net's inputs (engine/data/field_inputs.h).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/data/dataset_file.h"
#include "engine/data/field_inputs.h"
#include "engine/data/side_features.h"
#include "engine/data/synth.h"
#include "tests/error_expect.h"

namespace sr::test {
namespace {

namespace fs = std::filesystem;

// A file named `name` (readers know layouts by name) in a fresh directory.
std::string named_file(const std::string& name, const std::string& content) {
  const std::string dir = temp_path("side_" + std::to_string(std::hash<std::string>{}(content)));
  fs::create_directories(dir);
  std::ofstream(dir + "/" + name, std::ios::binary) << content;
  return dir + "/" + name;
}

const FieldInfo& field(const SideFeatures& f, const std::string& name) {
  for (const FieldInfo& fi : f.fields)
    if (fi.name == name) return fi;
  throw std::runtime_error("no field " + name);
}

// Row r as "feature=value" in feature order, named by field and value.
std::string row_text(const SideFeatures& f, int64_t r) {
  std::string s;
  for (int64_t k = f.row_ptr[r]; k < f.row_ptr[r + 1]; ++k) {
    for (const FieldInfo& fi : f.fields) {
      if (fi.kind == FieldKind::text || f.feature[k] < fi.first) continue;
      if (fi.kind == FieldKind::numeric && f.feature[k] == fi.first) {
        s += (s.empty() ? "" : " ") + fi.name + "=" + std::to_string(static_cast<int>(f.value[k]));
      } else if (fi.kind != FieldKind::numeric && f.feature[k] < fi.first + static_cast<int32_t>(fi.values.size())) {
        s += (s.empty() ? "" : " ") + fi.name + ":" + fi.values[f.feature[k] - fi.first];
      }
    }
  }
  return s;
}

TEST(SideFeatures, MovieLens100kItems) {
  const std::string p = named_file("u.item",
                                   "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
                                   "2|GoldenEye (1995)|01-Jan-1995||http://y|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|0\n"
                                   "9|Caf\xe9 (1997)|||http://z|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
                                   "4|Unrated (1996)|05-Oct-1996||http://w|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n");
  const std::vector<int64_t> ids = {1, 2, 3, 9};  // 3 has no line; 4 is not in the data
  SideFeaturesReport rep;
  const SideFeatures f = read_side_features(p, "", ids, &rep);
  EXPECT_EQ(rep.layout, "u.item");
  EXPECT_EQ(rep.lines, 4);
  EXPECT_EQ(rep.unknown_ids, 1);
  EXPECT_EQ(rep.rows_without, 1);
  ASSERT_EQ(f.rows(), 4);
  EXPECT_EQ(field(f, "title").kind, FieldKind::text);
  EXPECT_EQ(field(f, "year").kind, FieldKind::numeric);
  EXPECT_EQ(field(f, "genre").kind, FieldKind::multi);
  EXPECT_EQ(row_text(f, 0), "year=1995 genre:Animation genre:Children's genre:Comedy");
  EXPECT_EQ(row_text(f, 1), "year=1995 genre:Action genre:Adventure genre:Thriller");
  EXPECT_EQ(row_text(f, 2), "");
  EXPECT_EQ(row_text(f, 3), "genre:unknown");  // no release date: no year
  EXPECT_EQ(f.text_of(0, 0), "Toy Story (1995)");
  EXPECT_EQ(f.text_of(2, 0), "");
  EXPECT_EQ(f.text_of(3, 0), "Caf\xc3\xa9 (1997)");  // Latin-1 read as UTF-8
  // Only the genres some described item has are features (Drama belonged to the unknown id 4).
  EXPECT_EQ(field(f, "genre").values.size(), 7u);
}

TEST(SideFeatures, MovieLensUsersAndMovies) {
  const SideFeatures u = read_side_features(named_file("u.user", "1|24|M|technician|85711\n2|53|F|other|94043\n"), "",
                                            std::vector<int64_t>{1, 2});
  EXPECT_EQ(row_text(u, 0), "age=24 gender:M occupation:technician zip:85711");
  EXPECT_EQ(row_text(u, 1), "age=53 gender:F occupation:other zip:94043");

  const SideFeatures m1 = read_side_features(
      named_file("movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure\n"), "",
      std::vector<int64_t>{1, 2});
  EXPECT_EQ(row_text(m1, 0), "year=1995 genres:Animation genres:Children's genres:Comedy");  // year after title
  EXPECT_EQ(m1.text_of(1, 0), "Jumanji (1995)");

  const SideFeatures u1 = read_side_features(named_file("users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n"), "",
                                             std::vector<int64_t>{2});
  EXPECT_EQ(row_text(u1, 0), "gender:M age:56 occupation:16 zip:70072");

  const SideFeatures ml = read_side_features(
      named_file("movies.csv",
                 "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n"
                 "11,\"American President, The (1995)\",Comedy|Drama|Romance\n5,Untitled,(no genres listed)\n"),
      "", std::vector<int64_t>{1, 5, 11});
  EXPECT_EQ(row_text(ml, 0), "year=1995 genres:Adventure genres:Animation");
  EXPECT_EQ(row_text(ml, 1), "");  // no genre, no year in the title
  EXPECT_EQ(ml.text_of(2, 0), "American President, The (1995)");
}

TEST(SideFeatures, AnyFileWithAFieldList) {
  const std::string p = named_file("items.tsv",
                                   "item\tname\ttags\tprice\tstudio\tnote\n"
                                   "7\tLamp\tlight|home|light\t12.5\tacme\tx\n"
                                   "3\tChair\thome\t\t\ty\n");
  const SideFeatures f =
      read_side_features(p, "id,text:name,multi:tags,num:price,cat:studio,skip", std::vector<int64_t>{3, 7});
  EXPECT_EQ(row_text(f, 0), "tags:home");                                  // no price, no studio
  EXPECT_EQ(row_text(f, 1), "tags:home tags:light price=12 studio:acme");  // light once
  EXPECT_EQ(f.n_features, 2 + 1 + 1);
  EXPECT_EQ(f.text_of(1, 0), "Lamp");
  const FieldInfo& price = field(f, "price");
  for (int64_t k = f.row_ptr[1]; k < f.row_ptr[2]; ++k)
    if (f.feature[k] == price.first) {
      EXPECT_EQ(f.value[k], 12.5f);
    }
}

TEST(SideFeatures, BadFilesAreRefusedNamingFileAndLine) {
  const std::vector<int64_t> ids = {1, 2};
  expect_error([&] { read_side_features(named_file("u.user", "1|24|M|technician|85711\n2|old|F|other|1\n"), "", ids); },
               {"u.user:2", "field 'age'", "'old' is not a finite number"});
  expect_error([&] { read_side_features(named_file("u.user", "1|24|M|technician\n"), "", ids); },
               {"u.user:1", "4 fields, the u.user layout has 5"});
  expect_error([&] { read_side_features(named_file("u.user", "1|24|M|a|1\n1|25|F|b|2\n"), "", ids); },
               {"u.user:2", "id 1 given twice (first on line 1)"});
  expect_error([&] { read_side_features(named_file("u.user", "1|24|M|a|1\nx|25|F|b|2\n"), "", ids); },
               {"u.user:2", "'x' is not an integer id"});
  expect_error(
      [&] {
        read_side_features(named_file("u.item", "1|A (1995)|01-Jan-1995||u|2|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"),
                           "", ids);
      },
      {"u.item:1", "(unknown): '2' is not 0 or 1"});
  expect_error([&] { read_side_features(named_file("things.csv", "1,a\n"), "", ids); },
               {"things.csv", "not a layout this build knows by name", "field list"});
  const std::string csv = named_file("things.csv", "1,a\n");
  expect_error([&] { read_side_features(csv, "key,cat:a", ids); }, {"the first column must be 'id'"});
  expect_error([&] { read_side_features(csv, "id,color:a", ids); }, {"'color:a' is not skip or KIND:NAME"});
  expect_error([&] { read_side_features(csv, "id,cat:", ids); }, {"has no name"});
  expect_error([&] { read_side_features(csv, "id,cat:a,num:a", ids); }, {"field 'a' named twice"});
  expect_error([&] { read_side_features(named_file("empty.csv", "id,a\n"), "id,cat:a", ids); },
               {"no line describes an entity"});
  expect_error([&] { read_side_features(temp_path("absent.csv"), "id,cat:a", ids); }, {"cannot open side features"});
}

TEST(SideFeatures, StoredInTheBinaryDatasetAndReadBack) {
  SynthOptions o;
  o.users = 3, o.items = 4, o.events = 9;
  Dataset d = synthesize(o);
  std::string users, items;
  for (int64_t id : d.user_ids()) users += std::to_string(id) + "|" + std::to_string(20 + id) + "|F|writer|1234\n";
  for (int64_t id : d.item_ids()) items += std::to_string(id) + ",Item " + std::to_string(id) + ",a|b\n";
  auto uf = std::make_shared<const SideFeatures>(read_side_features(named_file("u.user", users), "", d.user_ids()));
  auto itf = std::make_shared<const SideFeatures>(
      read_side_features(named_file("it.csv", items), "id,text:title,multi:tags", d.item_ids()));
  d.set_features(uf, itf);
  const std::string p = temp_path("features.srdata");
  save_dataset(p, d);
  const Dataset back = load_dataset(p);
  ASSERT_NE(back.user_features(), nullptr);
  ASSERT_NE(back.item_features(), nullptr);
  for (const auto& [want, got] : {std::pair{uf.get(), back.user_features()}, {itf.get(), back.item_features()}}) {
    EXPECT_EQ(got->row_ptr, want->row_ptr);
    EXPECT_EQ(got->feature, want->feature);
    EXPECT_EQ(got->value, want->value);
    EXPECT_EQ(got->text_ptr, want->text_ptr);
    EXPECT_EQ(got->text, want->text);
    ASSERT_EQ(got->fields.size(), want->fields.size());
    for (size_t k = 0; k < got->fields.size(); ++k) EXPECT_EQ(got->fields[k].values, want->fields[k].values);
  }
  const std::string info = describe_dataset(back);
  EXPECT_NE(info.find("user features: 4 fields"), std::string::npos) << info;
  EXPECT_NE(info.find("tags (multi-valued): 2 values (a, b)"), std::string::npos) << info;

  // A flipped byte in the text section: its checksum; unchecked, the structure still holds.
  std::ifstream in(p, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const size_t at = bytes.rfind("Item ");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'J';
  const std::string bad = temp_file("bad_features.srdata", bytes);
  expect_error([&] { load_dataset(bad); }, {"bad_features.srdata", "checksum mismatch in section 'item_text'"});
  // Rows that do not match the dataset are refused.
  auto seven = std::make_shared<SideFeatures>();
  seven->row_ptr.assign(8, 0);
  expect_error([&] { d.set_features(seven, nullptr); }, {"user features: 7 rows for 3 users"});
  fs::remove(p), fs::remove(bad);
}

// A forged file (checksums not verified, as the fuzz target loads): a row pointer past the features
// or a count that is not an integer is refused by the structure's own checks, never read through.
TEST(SideFeatures, AForgedFileIsRefusedByItsStructure) {
  SynthOptions o;
  o.users = 60, o.items = 30, o.events = 400;
  Dataset d = synthesize(o);
  std::string users;  // 60 users x 4 features: nnz 240, three digits
  for (int64_t id : d.user_ids()) users += std::to_string(id) + "|" + std::to_string(20 + id) + "|F|writer|1234\n";
  auto uf = std::make_shared<const SideFeatures>(read_side_features(named_file("u.user", users), "", d.user_ids()));
  ASSERT_EQ(uf->feature.size(), 240u);
  d.set_features(uf, nullptr);
  const std::string p = temp_path("forged.srdata");
  save_dataset(p, d);
  std::ifstream in(p, std::ios::binary);
  const std::string good{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  fs::remove(p);
  LoadOptions unchecked;
  unchecked.verify_checksums = false;
  auto load = [&](const std::string& bytes) {
    std::vector<uint64_t> image((bytes.size() + 7) / 8);  // 8-byte aligned, as a mapping is
    std::memcpy(image.data(), bytes.data(), bytes.size());
    return load_dataset_from_memory(image.data(), bytes.size(), "forged", unchecked);
  };
  ASSERT_NE(load(good).user_features(), nullptr);

  // Row 1's end moved past the features (then the next row comes back down).
  const std::string ptr(reinterpret_cast<const char*>(uf->row_ptr.data()), uf->row_ptr.size() * sizeof(int64_t));
  const size_t at = good.find(ptr);
  ASSERT_NE(at, std::string::npos);
  std::string bad = good;
  const int64_t far = int64_t{1} << 40;
  std::memcpy(&bad[at + 2 * sizeof(int64_t)], &far, sizeof far);
  expect_error([&] { load(bad); }, {"forged", "row 1 ends before it starts or past the features"});

  // A count that is a float in the metadata.
  const size_t nnz = good.find("\"nnz\":240");
  ASSERT_NE(nnz, std::string::npos);
  bad = good;
  bad.replace(nnz + 6, 3, "1e9");
  expect_error([&] { load(bad); }, {"forged", "bad metadata", "'nnz' is 1000000000.0, not an integer"});
}

// Each non-text field becomes a table of a row per entity: a category 1, a multi-valued field's
// values 1/n each, a number standardized over the entities that have it; an entity the file lacks
// (or without the field) has an empty row; the title (text) is not an input.
TEST(FieldInputs, EachFieldATableOfARowPerEntity) {
  const std::string p = named_file("feats.csv",
                                   "1,Alpha,a|b|c,x,10\n"
                                   "2,Beta,b,y,20\n"
                                   "4,Gamma,,x,\n");
  const std::vector<int64_t> ids = {1, 2, 3, 4};  // 3 has no line
  const SideFeatures f = read_side_features(p, "id,text:title,multi:tags,cat:kind,num:size", ids);
  const std::vector<FieldTable> t = field_tables(f, "item", 4);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].input, "item:tags");
  EXPECT_EQ(t[1].input, "item:kind");
  EXPECT_EQ(t[2].input, "item:size");
  EXPECT_FALSE(t[0].user_side());
  const std::vector<FieldShape> shapes = field_shapes(t);
  EXPECT_EQ(shapes[0].width, 3);
  EXPECT_EQ(shapes[1].width, 2);
  EXPECT_EQ(shapes[2].width, 1);
  auto row = [](const HostCsr& m, int r) {
    std::string s;
    for (int32_t k = m.row_ptr[r]; k < m.row_ptr[r + 1]; ++k)
      s += (s.empty() ? "" : " ") + std::to_string(m.col_idx[k]) + ":" + std::to_string(m.val[k]).substr(0, 6);
    return s;
  };
  for (const FieldTable& ft : t) {
    EXPECT_EQ(ft.rows.rows, 4);
    ft.rows.validate(ft.input.c_str());
    EXPECT_EQ(row(ft.rows, 2), "") << ft.input << ": the entity the file lacks";
  }
  EXPECT_EQ(row(t[0].rows, 0), "0:0.3333 1:0.3333 2:0.3333");
  EXPECT_EQ(row(t[0].rows, 1), "1:1.0000");
  EXPECT_EQ(row(t[0].rows, 3), "");
  EXPECT_EQ(row(t[1].rows, 0), "0:1.0000");
  EXPECT_EQ(row(t[1].rows, 1), "1:1.0000");
  EXPECT_EQ(row(t[1].rows, 3), "0:1.0000");
  // Sizes 10 and 20: mean 15, standard deviation 5.
  EXPECT_EQ(row(t[2].rows, 0), "0:-1.000");
  EXPECT_EQ(row(t[2].rows, 1), "0:1.0000");
  EXPECT_EQ(row(t[2].rows, 3), "");
  EXPECT_TRUE(is_field_input("user:age"));
  EXPECT_FALSE(is_field_input("user"));
}

}  // namespace
}  // namespace sr::test
