// cpucompat: the command-line extension of xl for CPUID compatibility.
#include <iostream>

#include "../core/error.h"
#include "commands.h"

int main(int argc, char **argv) {
    using namespace cpucompat;
    CLI::App app{"cpucompat: CPUID policies and compatibility for Xen (see cpucompat(1))", "cpucompat"};
    app.require_subcommand(1);
    GlobalOptions g;
    app.add_flag("--json", g.json, "machine-readable output on stdout");
    std::vector<std::pair<CLI::App *, Runner>> commands;
    for (auto add : {add_show, add_host, add_features, add_compare, add_level, add_normalize, add_create, add_check_restore, add_publish, add_migrate, add_migrate_receive, add_evacuate}) {
        Runner r = add(app, g);
        commands.emplace_back(app.get_subcommands({}).back(), std::move(r));
    }
    for (auto &[sub, run] : commands) sub->add_flag("--json", g.json, "machine-readable output on stdout");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        std::cerr << "cpucompat: " << e.what() << " (see cpucompat --help)\n";
        return 2;
    }
    try {
        for (auto &[sub, run] : commands)
            if (sub->parsed()) return run();
    } catch (const Error &e) {
        std::cerr << "cpucompat: " << e.what() << "\n";
        return 2;
    } catch (const std::exception &e) {
        std::cerr << "cpucompat: internal error: " << e.what() << "\n";
        return 2;
    }
    return 2;
}
