// What `sparserec serve` answers, apart from HTTP: each endpoint's request checked and answered
// as a status and a JSON body. Requests for the model are queued and taken a batch at a time by
// one device thread (all requests of a kind waiting when it comes round answered by one call), so
// concurrent requests share a launch and the model is only ever used from one thread.
//
//   GET  /health                      {"status": "ok", "model", "users", "items", "endpoints"}
//   GET  /recommend?user=ID&k=K       the user's top-K unseen items (rating and top-N models)
//   POST /session  {"clicks": [ID, ...], "k": K}   the next click's top-K (session models)
//   GET  /similar?item=ID&k=K         the K items most alike (cosine of the model's item vectors)
// Items come as {"item": ID, "score": S}, with "title" when the options hold titles.
//
// A malformed request is 400, an unknown user or item 404, an endpoint the model has no answer
// for 501, a request after shutdown began 503; each with {"error": "..."} naming what and where.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/eval/scored.h"

namespace sr::serve {

struct Reply {
  int status = 200;
  std::string body;  // JSON
};

using Params = std::multimap<std::string, std::string>;  // the decoded query (as httplib's)

// What the server asks of a model; called from the device thread only.
class ServedModel {
 public:
  virtual ~ServedModel() = default;
  virtual std::string name() const = 0;
  virtual void attach_thread() {}  // called first on the device thread (binds it to the model's GPU)
  virtual const std::vector<int64_t>& user_ids() const = 0;  // dense index -> the data's id
  virtual const std::vector<int64_t>& item_ids() const = 0;
  virtual bool recommends_users() const = 0;     // GET /recommend
  virtual bool recommends_sessions() const = 0;  // POST /session
  virtual bool finds_similar() const = 0;        // GET /similar
  virtual std::vector<std::vector<Scored>> recommend(const std::vector<int32_t>& users, int k) = 0;
  virtual std::vector<std::vector<Scored>> recommend_next(const std::vector<std::vector<int32_t>>& sessions, int k) = 0;
  // The k items most alike each listed item, the item itself excluded.
  virtual std::vector<std::vector<Scored>> similar(const std::vector<int32_t>& items, int k) = 0;
};

struct ServiceOptions {
  int default_k = 10, max_k = 1000;
  size_t max_batch = 512;           // requests scored in one call of the model
  size_t max_clicks = 1000;         // clicks of a /session request
  std::vector<std::string> titles;  // per item index, shown as "title" beside each item (empty: none)
};

struct ServiceCounts {
  int64_t requests = 0, batches = 0, errors = 0;  // errors: replies >= 400
};

class Service {
 public:
  Service(ServedModel& model, ServiceOptions o);
  ~Service();  // stop() and join
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  Reply health();
  Reply recommend(const Params& query);
  Reply session(const Params& query, const std::string& body);
  Reply similar(const Params& query);
  Reply not_found(const std::string& method, const std::string& path);  // no such endpoint
  Reply failed(const std::string& what);                                // 500: an exception escaped
  void count_refused();  // a request the HTTP layer refused itself (malformed, too long)
  Reply refuse(int status, const std::string& message);  // an error reply the HTTP layer decides (405, 411)

  // Requests queued or arriving from now on are answered 503; the device thread ends.
  void stop();
  ServiceCounts counts() const;

 private:
  enum class Kind { user, session, similar };
  // What the device thread hands back: the top-K, or an error reply's status and message (as data,
  // not an exception: an exception shared between threads is refcounted inside libstdc++, where
  // ThreadSanitizer cannot see it).
  struct Outcome {
    std::vector<Scored> top;
    int status = 200;
    std::string error;
  };
  struct Job {
    Kind kind = Kind::user;
    int32_t row = -1;  // the user, or the item of /similar
    std::vector<int32_t> clicks;
    int k = 0;
    std::promise<Outcome> result;
  };
  Reply submit(std::unique_ptr<Job> job, const std::string& what, int64_t id);
  void device_loop();
  Reply error_reply(int status, const std::string& message);
  Reply count(Reply r);

  ServedModel& model_;
  ServiceOptions o_;
  std::unordered_map<int64_t, int32_t> user_index_, item_index_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  ServiceCounts counts_;
  std::thread device_;
};

}  // namespace sr::serve
