// The subcommands of the sparserec program, one file each in tools/cli/.
#pragma once

#include <CLI/CLI.hpp>

namespace sr::cli {

void add_train_command(CLI::App& app);
void add_topn_command(CLI::App& app);
void add_ctr_command(CLI::App& app);
void add_coldstart_command(CLI::App& app);
void add_session_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_recommend_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_import_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_index_command(CLI::App& app);
void add_tune_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_split_command(CLI::App& app);

}  // namespace sr::cli
