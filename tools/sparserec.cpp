// sparserec: train, evaluate and serve recommenders on sparse data.
//   sparserec train --data u.data --model autorec hidden=500 l2=1
//   sparserec recommend --model-file m.srm --users 1,2 -k 10
//   sparserec import --data ratings.csv --out ml20m.srdata;  sparserec info --data ml20m.srdata
// Errors end the program with one line on stderr and a non-zero exit.
#include <cstdio>
#include <exception>

#include "kernels/error.h"
#include "tools/cli/app.h"

int main(int argc, char** argv) {
  const std::unique_ptr<CLI::App> app = sr::cli::make_app();
  try {
    app->parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app->exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "sparserec: error: %s (see --help)\n", e.what());
    return 2;
  } catch (const sr::Error& e) {
    std::fprintf(stderr, "sparserec: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sparserec: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
