#include "tools/cli/app.h"

#include "tools/cli/commands.h"

namespace sr::cli {

std::unique_ptr<CLI::App> make_app() {
  auto app = std::make_unique<CLI::App>("sparserec: neural recommenders on sparse data, on the CPU or CUDA");
  app->require_subcommand(1);
  add_train_command(*app);
  add_evaluate_command(*app);
  add_recommend_command(*app);
  add_models_command(*app);
  add_import_command(*app);
  add_info_command(*app);
  add_synth_command(*app);
  add_topn_command(*app);
  add_ctr_command(*app);
  add_coldstart_command(*app);
  add_session_command(*app);
  add_serve_command(*app);
  add_index_command(*app);
  add_tune_command(*app);
  add_export_command(*app);
  add_plot_command(*app);
  add_split_command(*app);
  return app;
}

}  // namespace sr::cli
