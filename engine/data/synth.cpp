#include "engine/data/synth.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "engine/data/rng.h"
#include "engine/io/atomic_file.h"
#include "kernels/error.h"

namespace sr {

namespace {

constexpr int64_t kStartMs = 942278400000;      // 1999-11-11, where Netflix's ratings begin
constexpr int64_t kSpanMs = 2242ll * 86400000;  // to the end of 2005
constexpr int64_t kUsersPerBlock = 2048;

double normal(Rng& r) {  // Box–Muller
  const double u1 = std::max(r.uniform(), 1e-300), u2 = r.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

uint64_t user_seed(uint64_t seed, int64_t u) {
  return splitmix64(seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(u));
}

// Walker's alias table: O(1) draws from the Zipf popularity.
struct Alias {
  std::vector<double> prob;
  std::vector<int32_t> alias;
  explicit Alias(const std::vector<double>& w) : prob(w.size()), alias(w.size()) {
    const double n = static_cast<double>(w.size());
    double sum = 0.0;
    for (double x : w) sum += x;
    std::vector<double> p(w.size());
    std::vector<int32_t> small, large;
    for (size_t i = 0; i < w.size(); ++i) {
      p[i] = w[i] * n / sum;
      (p[i] < 1.0 ? small : large).push_back(static_cast<int32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const int32_t s = small.back(), l = large.back();
      small.pop_back();
      prob[s] = p[s], alias[s] = l;
      p[l] -= 1.0 - p[s];
      if (p[l] < 1.0) large.pop_back(), small.push_back(l);
    }
    for (int32_t i : large) prob[i] = 1.0, alias[i] = i;
    for (int32_t i : small) prob[i] = 1.0, alias[i] = i;
  }
  int32_t draw(Rng& r) const {
    const auto i = static_cast<int32_t>(r.below(prob.size()));
    return r.uniform() < prob[i] ? i : alias[i];
  }
};

// What every user's draw shares: item factors and biases, popularity, events per user.
struct Model {
  SynthOptions o;
  std::vector<float> item_factor, item_bias;
  std::unique_ptr<Alias> popularity;
  // Taste: items fall into genres; each user draws half of its items from one favourite genre (by
  // popularity within it), so which items a user picks has structure a top-N model can learn, not
  // only how it rates them.
  int genres = 1;
  std::vector<std::unique_ptr<Alias>> genre_popularity;
  std::vector<std::vector<int32_t>> genre_items;
  std::vector<int64_t> row_ptr;  // events per user, summing exactly to o.events

  explicit Model(const SynthOptions& opt) : o(opt) {
    if (o.users <= 0 || o.items <= 1 || o.events < o.users)
      throw error("synth: need users > 0, items > 1 and events >= users (got ", o.users, ", ", o.items, ", ", o.events,
                  ")");
    if (o.items > INT32_MAX) throw error("synth: items must fit in 31 bits, got ", o.items);
    if (o.rank <= 0) throw error("synth: --rank must be positive, got ", o.rank);
    if (!std::isfinite(o.zipf) || o.zipf < 0) throw error("synth: --zipf must be a finite exponent >= 0, got ", o.zipf);
    if (o.threads < 0) throw error("synth: --threads must be >= 0 (0: every core), got ", o.threads);
    Rng r(splitmix64(o.seed ^ 0x5eed));
    item_factor.resize(static_cast<size_t>(o.items * o.rank));
    for (auto& v : item_factor) v = static_cast<float>(normal(r) / std::sqrt(static_cast<double>(o.rank)));
    item_bias.resize(static_cast<size_t>(o.items));
    for (auto& v : item_bias) v = static_cast<float>(0.5 * normal(r));
    std::vector<int32_t> rank_of(static_cast<size_t>(o.items));  // popularity rank of each item, shuffled
    for (int32_t i = 0; i < o.items; ++i) rank_of[i] = i;
    r.shuffle(rank_of);
    std::vector<double> w(static_cast<size_t>(o.items));
    for (int32_t i = 0; i < o.items; ++i) w[i] = std::pow(1.0 + rank_of[i], -o.zipf);
    popularity = std::make_unique<Alias>(w);
    genres = static_cast<int>(std::clamp<int64_t>(o.items / 50, 1, 20));
    genre_items.resize(static_cast<size_t>(genres));
    std::vector<std::vector<double>> gw(static_cast<size_t>(genres));
    for (int32_t i = 0; i < o.items; ++i) {
      const auto g = static_cast<size_t>(splitmix64(static_cast<uint64_t>(i) ^ o.seed) % static_cast<uint64_t>(genres));
      genre_items[g].push_back(i);
      gw[g].push_back(w[i]);
    }
    for (int g = 0; g < genres; ++g)
      genre_popularity.push_back(gw[g].empty() ? nullptr : std::make_unique<Alias>(gw[g]));
    // Log-normal activity, at least one event and at most 3/4 of the catalogue (clicks: any).
    std::vector<double> a(static_cast<size_t>(o.users));
    double sum = 0.0;
    for (auto& v : a) sum += v = std::exp(1.0 * normal(r));
    const int64_t cap = o.clicks ? INT64_MAX : std::max<int64_t>(1, o.items * 3 / 4);
    if (!o.clicks && cap * o.users < o.events)
      throw error("synth: ", o.events, " ratings do not fit ", o.users, " users rating at most ", cap, " items each");
    row_ptr.assign(static_cast<size_t>(o.users) + 1, 0);
    int64_t total = 0;
    std::vector<int64_t> n(static_cast<size_t>(o.users));
    for (int64_t u = 0; u < o.users; ++u) {
      n[u] = std::clamp<int64_t>(static_cast<int64_t>(static_cast<double>(o.events) * a[u] / sum), 1, cap);
      total += n[u];
    }
    for (int64_t u = 0; total != o.events; u = (u + 1) % o.users) {  // round-robin to the exact total
      if (total < o.events && n[u] < cap)
        ++n[u], ++total;
      else if (total > o.events && n[u] > 1)
        --n[u], --total;
    }
    for (int64_t u = 0; u < o.users; ++u) row_ptr[u + 1] = row_ptr[u] + n[u];
  }

  // Ids as the public data has them: Netflix's 480,189 user ids spread over 1..2,649,429 (one in
  // about 5.5 used); session ids of a click log are a counter with gaps (YooChoose: 9.2 million
  // sessions up to 11.5 million).
  int64_t user_id(int64_t u) const {
    return o.clicks ? 1 + u + u / 4 : 1 + u * 5 + static_cast<int64_t>(splitmix64(static_cast<uint64_t>(u)) % 5);
  }
  int64_t item_id(int32_t i) const { return 1 + i; }

  // The events of user u, in time order.
  void user_events(int64_t u, std::vector<int32_t>& items, std::vector<float>& ratings, std::vector<int64_t>& times,
                   std::vector<int64_t>& stamp) const {
    Rng r(user_seed(o.seed, u));
    const int64_t n = row_ptr[u + 1] - row_ptr[u];
    items.resize(static_cast<size_t>(n)), ratings.resize(static_cast<size_t>(n)), times.resize(static_cast<size_t>(n));
    if (o.clicks) {  // a session: popular start, then often a neighbour of the last click
      int64_t t = kStartMs + static_cast<int64_t>(r.below(static_cast<uint64_t>(kSpanMs)));
      int32_t last = popularity->draw(r);
      for (int64_t k = 0; k < n; ++k) {
        if (k > 0)
          last = r.uniform() < 0.6 ? static_cast<int32_t>((last + 1 + r.below(4)) % o.items) : popularity->draw(r);
        items[k] = last, ratings[k] = 1.0f, times[k] = t;
        t += 1000 + static_cast<int64_t>(r.below(120000));
      }
      return;
    }
    std::vector<double> f(static_cast<size_t>(o.rank));
    for (auto& v : f) v = normal(r) * 0.9;
    const double bias = 3.6 + 0.4 * normal(r);
    const auto genre = static_cast<size_t>(r.below(static_cast<uint64_t>(genres)));
    const Alias* favourite = genre_popularity[genre].get();
    // Half from the favourite genre, while it has items left for this user (at most half of it).
    int64_t from_genre = favourite ? std::min<int64_t>(n / 2, static_cast<int64_t>(genre_items[genre].size()) / 2) : 0;
    // Whole seconds, as ratings files store them, so that text and memory agree exactly.
    int64_t t = kStartMs + 1000 * static_cast<int64_t>(r.below(static_cast<uint64_t>(kSpanMs / 2000)));
    const int64_t step_s = std::max<int64_t>(1, (kStartMs + kSpanMs - t) / 1000 / (n + 1));
    for (int64_t k = 0; k < n; ++k) {
      int32_t i;
      // Genre items spread evenly over the user's history (selection sampling), the latest included.
      const bool in_genre = from_genre > 0 && static_cast<int64_t>(r.below(static_cast<uint64_t>(n - k))) < from_genre;
      int tries = 0;  // a genre the user has nearly exhausted falls back to the whole catalogue
      do
        i = in_genre && tries++ < 64 ? genre_items[genre][static_cast<size_t>(favourite->draw(r))]
                                     : popularity->draw(r);
      while (stamp[static_cast<size_t>(i)] == u);  // distinct items per user
      from_genre -= in_genre;
      stamp[static_cast<size_t>(i)] = u;
      double s = bias + item_bias[i] + 0.5 * normal(r);
      for (int c = 0; c < o.rank; ++c) s += f[c] * item_factor[static_cast<size_t>(i) * o.rank + c];
      items[k] = i;
      ratings[k] = static_cast<float>(std::clamp(std::round(s), 1.0, 5.0));
      times[k] = t;
      t += 1000 * (1 + static_cast<int64_t>(r.below(static_cast<uint64_t>(2 * step_s))));
    }
  }
};

int threads_of(const SynthOptions& o) {
  return std::max(1, o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency()));
}

char* put_int(char* p, int64_t v) { return std::to_chars(p, p + 24, v).ptr; }

}  // namespace

SynthReport write_synthetic_text(const std::string& path, const SynthOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const Model m(o);
  AtomicFileWriter out(path);
  const std::string header = o.clicks ? "SessionId\tItemId\tTime\n" : "userId,movieId,rating,timestamp\n";
  out.write(header.data(), header.size());
  const int T = threads_of(o);
  const int64_t blocks = (o.users + kUsersPerBlock - 1) / kUsersPerBlock;
  std::vector<std::string> text(static_cast<size_t>(T));
  // Rounds of T blocks: each thread formats one block, then they are written in order.
  for (int64_t first = 0; first < blocks; first += T) {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(T));
    for (int t = 0; t < T; ++t)
      pool.emplace_back([&, t] {
        std::string& s = text[static_cast<size_t>(t)];
        s.clear();
        const int64_t b = first + t;
        if (b >= blocks) return;
        std::vector<int32_t> items;
        std::vector<float> ratings;
        std::vector<int64_t> times, stamp(static_cast<size_t>(o.items), -1);
        const int64_t u1 = std::min(o.users, (b + 1) * kUsersPerBlock);
        s.resize(static_cast<size_t>(m.row_ptr[u1] - m.row_ptr[b * kUsersPerBlock]) * 48);
        char* p = s.data();
        for (int64_t u = b * kUsersPerBlock; u < u1; ++u) {
          m.user_events(u, items, ratings, times, stamp);
          const int64_t id = m.user_id(u);
          for (size_t k = 0; k < items.size(); ++k) {
            p = put_int(p, id);
            *p++ = o.clicks ? '\t' : ',';
            p = put_int(p, m.item_id(items[k]));
            if (o.clicks) {  // seconds with milliseconds, as RSC15 writes them
              *p++ = '\t';
              p = put_int(p, times[k] / 1000);
              *p++ = '.';
              const int64_t ms = times[k] % 1000;
              *p++ = static_cast<char>('0' + ms / 100), *p++ = static_cast<char>('0' + ms / 10 % 10),
              *p++ = static_cast<char>('0' + ms % 10);
            } else {
              *p++ = ',';
              *p++ = static_cast<char>('0' + static_cast<int>(ratings[k]));
              *p++ = ',';
              p = put_int(p, times[k] / 1000);
            }
            *p++ = '\n';
          }
        }
        s.resize(static_cast<size_t>(p - s.data()));
      });
    for (auto& th : pool) th.join();
    for (const auto& s : text) out.write(s.data(), s.size());
  }
  SynthReport rep;
  rep.bytes = out.position();
  out.commit();
  rep.events = o.events;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

Dataset synthesize(const SynthOptions& o) {
  const Model m(o);
  DatasetArrays a;
  a.row_ptr = m.row_ptr;
  std::vector<int32_t> items;
  std::vector<float> ratings;
  std::vector<int64_t> times, stamp(static_cast<size_t>(o.items), -1);
  for (int64_t u = 0; u < o.users; ++u) {
    m.user_events(u, items, ratings, times, stamp);
    a.item.insert(a.item.end(), items.begin(), items.end());
    if (!o.clicks) a.rating.insert(a.rating.end(), ratings.begin(), ratings.end());
    a.time.insert(a.time.end(), times.begin(), times.end());
    a.user_ids.push_back(m.user_id(u));
  }
  // Items that nobody drew are not part of the dataset (an import would not see them either).
  std::vector<int32_t> remap(static_cast<size_t>(o.items), -1);
  for (int32_t i : a.item) remap[i] = 0;
  for (int32_t i = 0; i < o.items; ++i)
    if (remap[i] == 0) remap[i] = static_cast<int32_t>(a.item_ids.size()), a.item_ids.push_back(m.item_id(i));
  for (int32_t& i : a.item) i = remap[i];
  DatasetInfo info;
  info.feedback = o.clicks ? Feedback::clicks : Feedback::ratings;
  info.layout = "synthetic";
  info.source = "synth seed " + std::to_string(o.seed);
  if (o.clicks) info.rating_min = info.rating_max = 1.0f;
  return Dataset::from_arrays(info, std::move(a));
}

}  // namespace sr
