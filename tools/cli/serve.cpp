// sparserec serve: a saved model behind HTTP (tools/serve/service.h has the endpoints). Requests
// are taken by a pool of connection threads, scored a batch at a time on the model's device, and
// answered as JSON; SIGTERM or SIGINT stops taking connections, answers what is in flight, and
// exits 0 with one JSON line (requests, errors, batches).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "engine/data/item_titles.h"
#include "engine/index/exact_index.h"
#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"
#include "tools/cli/saved_model.h"
#include "tools/serve/http_routes.h"

namespace sr::cli {

namespace {
// The SIGTERM or SIGINT taken: set by the handler, read by the watcher thread (a lock-free atomic,
// safe in a handler and between threads).
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

struct ServeArgs {
  SavedModelArgs saved;
  std::string host = "127.0.0.1", titles = "auto";
  int port = 8080, threads = 128, max_k = 1000;
  int64_t max_batch = 512;
};

// A saved model as the server sees it.
class SavedServedModel final : public serve::ServedModel {
 public:
  explicit SavedServedModel(SavedModel& s) : s_(s) {
    if (s.trained->exec) {
      TrainedModel::ItemVectors v = s.trained->item_vectors();
      try {
        if (v.dim > 0 && v.n == static_cast<int64_t>(s.data.item_ids.size()))
          index_ = std::make_unique<ExactIndex>(*s.backend, v.n, v.dim, std::move(v.values), Metric::cosine);
      } catch (const Error& e) {  // the rest of the model still serves
        std::fprintf(stderr, "serve: no /similar: the item vectors cannot be indexed: %s\n", e.what());
      }
    }
  }
  std::string name() const override { return s_.meta.model; }
  void attach_thread() override { s_.backend->make_current(); }
  const std::vector<int64_t>& user_ids() const override { return s_.data.user_ids; }
  const std::vector<int64_t>& item_ids() const override { return s_.data.item_ids; }
  bool recommends_users() const override { return s_.task != Task::sessions && s_.trained->exec; }
  bool recommends_sessions() const override { return s_.task == Task::sessions; }
  bool finds_similar() const override { return index_ != nullptr; }
  std::vector<std::vector<Scored>> recommend(const std::vector<int32_t>& users, int k) override {
    return s_.trained->recommend(users, k);
  }
  std::vector<std::vector<Scored>> recommend_next(const std::vector<std::vector<int32_t>>& sessions, int k) override {
    return s_.trained->recommend_next(sessions, k);
  }
  std::vector<std::vector<Scored>> similar(const std::vector<int32_t>& items, int k) override {
    return index_->neighbours(items, k);
  }

 private:
  SavedModel& s_;
  std::unique_ptr<ExactIndex> index_;  // of the item vectors, by cosine
};

void run_serve(const ServeArgs& a) {
  if (a.port < 0 || a.port > 65535) throw error("--port must be in [0, 65535] (0: any free port), got ", a.port);
  check_positive("--threads", a.threads);
  check_positive("--max-k", a.max_k);
  check_positive("--max-batch", a.max_batch);
  Device::parse(a.saved.device);  // before the port is taken
  // SIGTERM and SIGINT only note the signal (any thread may take it: OpenBLAS starts its own before
  // main); a watcher thread sees the note and stops the server.
  struct sigaction act {};
  act.sa_handler = [](int sig) { g_stop_signal.store(sig); };
  act.sa_flags = SA_RESTART;  // a read of the model file goes on through the signal
  sigemptyset(&act.sa_mask);
  sigaction(SIGTERM, &act, nullptr);
  sigaction(SIGINT, &act, nullptr);

  const auto title_map = read_titles_option(a.saved.model_file, a.titles);  // a bad file: the one line
  // The port first: a port in use fails at once, not after the model has loaded.
  serve::Server server;
  const int threads = a.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_tcp_nodelay(true);  // a reply is one small write: Nagle would hold it for the client's delayed ACK
  const int port = a.port == 0 ? server.bind_to_any_port(a.host) : (server.bind_to_port(a.host, a.port) ? a.port : -1);
  if (port < 0) throw error("cannot listen on ", a.host, ":", a.port, " (in use, or not an address of this machine)");
  server.widen_backlog();

  std::fprintf(stderr, "serve: loading %s\n", a.saved.model_file.c_str());
  SavedModel s = open_saved_model(a.saved);
  SavedServedModel model(s);
  serve::ServiceOptions o;
  o.max_k = a.max_k;
  o.max_batch = static_cast<size_t>(a.max_batch);
  o.titles = title_map.empty() ? std::vector<std::string>{} : titles_by_index(title_map, s.data.item_ids);
  serve::Service service(model, o);
  serve::add_routes(server, service);

  std::atomic<bool> done{false};
  // httplib's stop() does nothing before the server runs: the watcher waits for both.
  std::thread stopper([&] {
    while (!done && (g_stop_signal.load() == 0 || !server.is_running()))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server.stop();
  });
  std::fprintf(stderr, "serving model '%s' (%zu users, %zu items) on http://%s:%d with %d threads; GET /health\n",
               s.meta.model.c_str(), s.data.user_ids.size(), s.data.item_ids.size(), a.host.c_str(), port, threads);
  const auto t0 = std::chrono::steady_clock::now();
  // A signal while the model loaded: stop before listening.
  const bool listened = g_stop_signal.load() != 0 || server.listen_after_bind();
  done = true;
  stopper.join();
  service.stop();
  const int signal_taken = g_stop_signal.load();
  if (!listened && signal_taken == 0) throw error("the server on ", a.host, ":", port, " stopped unexpectedly");
  const serve::ServiceCounts c = service.counts();
  nlohmann::json j;
  j["command"] = "serve";
  j["model"] = s.meta.model;
  j["port"] = port;
  j["stopped_by"] = signal_taken == SIGTERM ? "SIGTERM" : "SIGINT";
  j["requests"] = c.requests;
  j["errors"] = c.errors;
  j["batches"] = c.batches;
  j["seconds"] = seconds_since(t0);
  print_result(j);
}
}  // namespace

void add_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* sub = app.add_subcommand("serve", "serve a saved model over HTTP (/recommend, /session, /similar)");
  a->saved.add_to(*sub);
  sub->add_option("--host", a->host, "address to listen on")->capture_default_str();
  sub->add_option("--port", a->port, "port to listen on (0: any free port, printed at start)")->capture_default_str();
  sub->add_option("--threads", a->threads,
                  "connection threads: the clients served at once (a keep-alive connection holds one for up to "
                  "100 requests or 2 s idle)")
      ->capture_default_str();
  sub->add_option("--titles", a->titles,
                  "items' titles in the replies: auto (u.item, movies.dat or movies.csv beside the training data), "
                  "none, or a file")
      ->capture_default_str();
  sub->add_option("--max-k", a->max_k, "the largest k a request may ask for")->capture_default_str();
  sub->add_option("--max-batch", a->max_batch, "requests scored in one call of the model")->capture_default_str();
  sub->callback([a] { run_serve(*a); });
}

}  // namespace sr::cli
