#include "tools/serve/service.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace sr::serve {

namespace {

// Why a request cannot be answered: its status and message.
struct Refusal {
  int status;
  std::string message;
};

// How deep a JSON text's arrays and objects nest (brackets inside strings not counted): a body
// nested past any use is refused before it is parsed, as a deep value would recurse when printed
// or destroyed.
constexpr int kMaxNesting = 8;
int nesting_depth(const std::string& text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// JSON text of `j`; bytes of a request that are not UTF-8 (echoed in an error) become U+FFFD, never
// an exception.
std::string text_of(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A query parameter as a whole int64 ("12", "-3"; not "12a", " 12", "", "1e3").
bool parse_int(const std::string& s, int64_t& out) {
  const char* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, out);
  return !s.empty() && r.ec == std::errc() && r.ptr == end;
}

// Checks the query holds only `allowed` keys, each at most once.
void check_keys(const Params& q, const std::set<std::string>& allowed) {
  for (auto it = q.begin(); it != q.end(); it = q.upper_bound(it->first)) {
    if (!allowed.count(it->first)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw Refusal{400, "unknown query parameter '" + it->first + "' (this endpoint takes " + list + ")"};
    }
    if (q.count(it->first) > 1) throw Refusal{400, "query parameter '" + it->first + "' given more than once"};
  }
}

int64_t required_int(const Params& q, const std::string& key) {
  const auto it = q.find(key);
  if (it == q.end()) throw Refusal{400, "missing query parameter '" + key + "'"};
  int64_t v = 0;
  if (!parse_int(it->second, v))
    throw Refusal{400, "query parameter '" + key + "' must be an integer id, got '" + it->second + "'"};
  return v;
}

int checked_k(int64_t k, const ServiceOptions& o) {
  if (k < 1 || k > o.max_k)
    throw Refusal{400, "k must be in [1, " + std::to_string(o.max_k) + "], got " + std::to_string(k)};
  return static_cast<int>(k);
}

int k_of(const Params& q, const ServiceOptions& o) {
  const auto it = q.find("k");
  if (it == q.end()) return o.default_k;
  int64_t k = 0;
  if (!parse_int(it->second, k)) throw Refusal{400, "query parameter 'k' must be an integer, got '" + it->second + "'"};
  return checked_k(k, o);
}

int32_t index_of(const std::unordered_map<int64_t, int32_t>& index, int64_t id, const char* what) {
  const auto it = index.find(id);
  if (it == index.end())
    throw Refusal{404, std::string(what) + " id " + std::to_string(id) + " is not among the " +
                           std::to_string(index.size()) + " " + what + "s of the model"};
  return it->second;
}

std::string items_json(const std::vector<Scored>& top, const std::vector<int64_t>& item_ids,
                       const std::vector<std::string>& titles) {
  nlohmann::json items = nlohmann::json::array();
  for (const Scored& s : top) {
    nlohmann::json item = {{"item", item_ids[static_cast<size_t>(s.item)]}, {"score", s.score}};
    if (!titles.empty()) item["title"] = titles[static_cast<size_t>(s.item)];
    items.push_back(std::move(item));
  }
  return text_of(items);
}

}  // namespace

Service::Service(ServedModel& model, ServiceOptions o) : model_(model), o_(o) {
  for (size_t u = 0; u < model.user_ids().size(); ++u)
    user_index_.emplace(model.user_ids()[u], static_cast<int32_t>(u));
  for (size_t i = 0; i < model.item_ids().size(); ++i)
    item_index_.emplace(model.item_ids()[i], static_cast<int32_t>(i));
  device_ = std::thread([this] { device_loop(); });
}

Service::~Service() {
  stop();
  device_.join();
}

void Service::stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

ServiceCounts Service::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

Reply Service::count(Reply r) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.requests;
  if (r.status >= 400) ++counts_.errors;
  return r;
}

Reply Service::error_reply(int status, const std::string& message) {
  return count({status, text_of(nlohmann::json{{"error", message}, {"status", status}})});
}

Reply Service::health() {
  nlohmann::json j;
  j["status"] = "ok";
  j["model"] = model_.name();
  j["users"] = model_.user_ids().size();
  j["items"] = model_.item_ids().size();
  nlohmann::json endpoints = {"GET /health"};
  if (model_.recommends_users()) endpoints.push_back("GET /recommend?user=ID&k=K");
  if (model_.recommends_sessions()) endpoints.push_back("POST /session {\"clicks\": [ID, ...], \"k\": K}");
  if (model_.finds_similar()) endpoints.push_back("GET /similar?item=ID&k=K");
  j["endpoints"] = endpoints;
  return count({200, text_of(j)});
}

Reply Service::not_found(const std::string& method, const std::string& path) {
  return error_reply(404, "no endpoint " + method + " " + path + " (GET /health lists them)");
}

Reply Service::failed(const std::string& what) { return error_reply(500, what); }

Reply Service::refuse(int status, const std::string& message) { return error_reply(status, message); }

void Service::count_refused() {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.requests, ++counts_.errors;
}

Reply Service::submit(std::unique_ptr<Job> job, const std::string& what, int64_t id) {
  std::future<Outcome> result = job->result.get_future();
  const int k = job->k;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ++counts_.requests, ++counts_.errors;
      return {503, text_of(nlohmann::json{{"error", "the server is shutting down"}, {"status", 503}})};
    }
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  const Outcome out = result.get();
  if (out.status != 200) return error_reply(out.status, out.error);
  const std::vector<Scored>& top = out.top;
  std::string body = "{\"" + what + "\":" + std::to_string(id) + ",\"k\":" + std::to_string(k) +
                     ",\"items\":" + items_json(top, model_.item_ids(), o_.titles) + "}";
  return count({200, std::move(body)});
}

Reply Service::recommend(const Params& q) {
  try {
    if (!model_.recommends_users())
      throw Refusal{501, "model '" + model_.name() + "' recommends for sessions: POST /session"};
    check_keys(q, {"user", "k"});
    const int64_t id = required_int(q, "user");
    auto job = std::make_unique<Job>();
    job->row = index_of(user_index_, id, "user");
    job->k = k_of(q, o_);
    return submit(std::move(job), "user", id);
  } catch (const Refusal& r) {
    return error_reply(r.status, r.message);
  }
}

Reply Service::session(const Params& q, const std::string& body) {
  try {
    if (!model_.recommends_sessions())
      throw Refusal{501, "model '" + model_.name() + "' recommends for users: GET /recommend?user=ID"};
    check_keys(q, {});
    if (nesting_depth(body) > kMaxNesting)
      throw Refusal{400, "the body nests deeper than " + std::to_string(kMaxNesting) +
                             " levels: {\"clicks\": [ID, ...], \"k\": K} needs 2"};
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
      throw Refusal{400, std::string("the body is not JSON: ") + e.what()};
    }
    if (!j.is_object()) throw Refusal{400, "the body must be a JSON object {\"clicks\": [ID, ...], \"k\": K}"};
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "clicks" && it.key() != "k")
        throw Refusal{400, "unknown field '" + it.key() + "' (the body takes clicks and k)"};
    if (!j.contains("clicks") || !j["clicks"].is_array() || j["clicks"].empty())
      throw Refusal{400, "field 'clicks' must be a non-empty array of item ids"};
    if (j["clicks"].size() > o_.max_clicks)
      throw Refusal{400, "a session of " + std::to_string(j["clicks"].size()) + " clicks is more than " +
                             std::to_string(o_.max_clicks) + " (keep its latest)"};
    auto job = std::make_unique<Job>();
    job->kind = Kind::session;
    job->k = o_.default_k;
    if (j.contains("k")) {
      if (!j["k"].is_number_integer()) throw Refusal{400, "field 'k' must be an integer"};
      job->k = checked_k(j["k"].get<int64_t>(), o_);
    }
    for (size_t c = 0; c < j["clicks"].size(); ++c) {
      const nlohmann::json& v = j["clicks"][c];
      if (!v.is_number_integer())
        throw Refusal{400, "clicks[" + std::to_string(c) + "] must be an integer item id, got " +
                               std::string(v.type_name())};  // not v.dump(): a deep value recurses
      job->clicks.push_back(index_of(item_index_, v.get<int64_t>(), "item"));
    }
    const auto n_clicks = static_cast<int64_t>(job->clicks.size());  // before the move
    return submit(std::move(job), "clicks", n_clicks);
  } catch (const Refusal& r) {
    return error_reply(r.status, r.message);
  }
}

Reply Service::similar(const Params& q) {
  try {
    if (!model_.finds_similar()) throw Refusal{501, "model '" + model_.name() + "' has no item vectors to compare"};
    check_keys(q, {"item", "k"});
    const int64_t id = required_int(q, "item");
    auto job = std::make_unique<Job>();
    job->kind = Kind::similar;
    job->row = index_of(item_index_, id, "item");
    job->k = k_of(q, o_);
    return submit(std::move(job), "item", id);
  } catch (const Refusal& r) {
    return error_reply(r.status, r.message);
  }
}

void Service::device_loop() {
  try {
    model_.attach_thread();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve: the device thread cannot use the model's device: %s\n", e.what());
  }
  for (;;) {
    std::vector<std::unique_ptr<Job>> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {  // what waits is answered 503
        for (auto& job : queue_) job->result.set_value({{}, 503, "the server is shutting down"});
        queue_.clear();
        return;
      }
      // Everything of the first job's kind that waits, up to a batch.
      const Kind kind = queue_.front()->kind;
      for (auto it = queue_.begin(); it != queue_.end() && batch.size() < o_.max_batch;) {
        if ((*it)->kind == kind) {
          batch.push_back(std::move(*it));
          it = queue_.erase(it);
        } else {
          ++it;
        }
      }
      ++counts_.batches;
    }
    int k = 0;
    for (const auto& job : batch) k = std::max(k, job->k);
    std::vector<std::vector<Scored>> top;
    std::string failure;
    try {
      if (batch.front()->kind == Kind::session) {
        std::vector<std::vector<int32_t>> sessions;
        for (const auto& job : batch) sessions.push_back(job->clicks);
        top = model_.recommend_next(sessions, k);
      } else {
        std::vector<int32_t> rows;
        for (const auto& job : batch) rows.push_back(job->row);
        top = batch.front()->kind == Kind::user ? model_.recommend(rows, k) : model_.similar(rows, k);
      }
      if (top.size() != batch.size())
        failure =
            "the model answered " + std::to_string(top.size()) + " of " + std::to_string(batch.size()) + " requests";
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "an unknown exception";
    }
    for (size_t j = 0; j < batch.size(); ++j) {  // each its own k of the batch's largest
      if (!failure.empty()) {
        batch[j]->result.set_value({{}, 500, "the model failed: " + failure});
        continue;
      }
      std::vector<Scored>& t = top[j];
      if (static_cast<int>(t.size()) > batch[j]->k) t.resize(static_cast<size_t>(batch[j]->k));
      batch[j]->result.set_value({std::move(t), 200, {}});
    }
  }
}

}  // namespace sr::serve
