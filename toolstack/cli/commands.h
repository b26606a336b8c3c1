// The `cpucompat` subcommands. Each registers itself on the CLI11 app and
// returns the process exit status when run: 0 success / compatible,
// 1 a negative verdict (incompatible, below a floor), 2 bad usage or input.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace cpucompat {

using Runner = std::function<int()>;

struct GlobalOptions {
    bool json = false;
};

Runner add_show(CLI::App &app, const GlobalOptions &g);
Runner add_host(CLI::App &app, const GlobalOptions &g);
Runner add_features(CLI::App &app, const GlobalOptions &g);
Runner add_compare(CLI::App &app, const GlobalOptions &g);
Runner add_level(CLI::App &app, const GlobalOptions &g);
Runner add_normalize(CLI::App &app, const GlobalOptions &g);
Runner add_create(CLI::App &app, const GlobalOptions &g);
Runner add_migrate_receive(CLI::App &app, const GlobalOptions &g);
Runner add_check_restore(CLI::App &app, const GlobalOptions &g);
Runner add_publish(CLI::App &app, const GlobalOptions &g);
Runner add_migrate(CLI::App &app, const GlobalOptions &g);
Runner add_evacuate(CLI::App &app, const GlobalOptions &g);
Runner add_guests(CLI::App &app, const GlobalOptions &g);
Runner add_recover(CLI::App &app, const GlobalOptions &g);
Runner add_facts(CLI::App &app, const GlobalOptions &g);
Runner add_pool(CLI::App &app, const GlobalOptions &g);
Runner add_pacemaker(CLI::App &app, const GlobalOptions &g);

}  // namespace cpucompat
