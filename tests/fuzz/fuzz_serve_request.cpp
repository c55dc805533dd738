// Fuzz target of the server's request handling: raw bytes as one HTTP request through cpp-httplib's
// parser and the server's routes (tools/serve/http_routes.h) to its Service, on a small stand-in
// model. Any reply is fine; a crash, a sanitizer report, a reply that is not HTTP or a JSON body cut
// short is not. Debian's httplib is a shared library without instrumentation: the fuzzer steers by
// the coverage of our routes and service, and sanitizers watch our code only.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/serve/http_routes.h"

namespace {

// 5 users (ids 10..14), 7 items (ids 100..106); scores that depend on the request.
class StandInModel final : public sr::serve::ServedModel {
 public:
  std::string name() const override { return "stand-in"; }
  const std::vector<int64_t>& user_ids() const override { return users_; }
  const std::vector<int64_t>& item_ids() const override { return items_; }
  bool recommends_users() const override { return true; }
  bool recommends_sessions() const override { return true; }
  bool finds_similar() const override { return true; }
  std::vector<std::vector<sr::Scored>> recommend(const std::vector<int32_t>& users, int k) override {
    std::vector<std::vector<sr::Scored>> out;
    for (int32_t u : users) out.push_back(top(u, k));
    return out;
  }
  std::vector<std::vector<sr::Scored>> recommend_next(const std::vector<std::vector<int32_t>>& sessions,
                                                      int k) override {
    std::vector<std::vector<sr::Scored>> out;
    for (const auto& s : sessions) out.push_back(top(s.back(), k));
    return out;
  }
  std::vector<std::vector<sr::Scored>> similar(const std::vector<int32_t>& items, int k) override {
    return recommend(items, k);
  }

 private:
  std::vector<sr::Scored> top(int32_t seed, int k) const {
    std::vector<sr::Scored> t;
    for (int32_t i = 0; i < static_cast<int32_t>(items_.size()) && static_cast<int>(t.size()) < k; ++i)
      t.push_back({(i + seed) % 7, 1.0f / static_cast<float>(i + 1)});
    return t;
  }
  std::vector<int64_t> users_{10, 11, 12, 13, 14}, items_{100, 101, 102, 103, 104, 105, 106};
};

// The request's bytes to read, the reply's bytes written.
class MemoryStream final : public httplib::Stream {
 public:
  MemoryStream(const uint8_t* data, size_t size) : in_(reinterpret_cast<const char*>(data), size) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - at_);
    std::memcpy(ptr, in_.data() + at_, n);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { ip = "127.0.0.1", port = 1; }
  void get_local_ip_and_port(std::string& ip, int& port) const override { ip = "127.0.0.1", port = 2; }
  socket_t socket() const override { return INVALID_SOCKET; }
  std::string out;

 private:
  std::string in_;
  size_t at_ = 0;
};

class FuzzServer final : public sr::serve::Server {
 public:
  std::string handle(const uint8_t* data, size_t size) {
    MemoryStream s(data, size);
    bool closed = false;
    process_request(s, true, closed, [](httplib::Request&) {});
    return s.out;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static StandInModel model;
  static sr::serve::Service service(model, sr::serve::ServiceOptions{});
  static FuzzServer* server = [] {
    auto* s = new FuzzServer;
    sr::serve::add_routes(*s, service);
    return s;
  }();
  std::string reply = server->handle(data, size);
  // Every reply is HTTP; one with a JSON body (not HEAD's) carries a whole object, as ranges are
  // ignored. A 100 Continue comes first when the client asked for it.
  const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
  if (reply.rfind(cont, 0) == 0) reply.erase(0, cont.size());
  if (reply.empty()) return 0;
  if (reply.rfind("HTTP/1.1 ", 0) != 0) {
    std::fprintf(stderr, "a reply that is not HTTP/1.1:\n%s\n", reply.c_str());
    std::abort();
  }
  const size_t end = reply.find("\r\n\r\n");
  const std::string head = reply.substr(0, end), body = end == std::string::npos ? "" : reply.substr(end + 4);
  if (head.find("Content-Type: application/json") != std::string::npos && !body.empty() &&
      (body.front() != '{' || body.back() != '}')) {
    std::fprintf(stderr, "a JSON reply cut short:\n%s\n", reply.c_str());
    std::abort();
  }
  return 0;
}
