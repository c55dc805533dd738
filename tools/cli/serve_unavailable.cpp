// sparserec serve in a build without cpp-httplib: the command exists and says what it needs.
#include "kernels/error.h"
#include "tools/cli/commands.h"

namespace sr::cli {

void add_serve_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("serve", "serve a saved model over HTTP (this build has no HTTP library)");
  sub->allow_extras();
  sub->callback([] {
    throw error("this sparserec was built without cpp-httplib: apt-get install libcpp-httplib-dev and build again");
  });
}

}  // namespace sr::cli
