// cpucompat: the command-line extension of xl for CPUID compatibility.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string_view>

#include "cpucompat_version.h"  // generated from debian/changelog and libxen-dev

#include "../core/error.h"
#include "../core/text.h"
#include "commands.h"
#include "output.h"

namespace {

// Output that could not be written is a failure, also when the error shows
// only at the last flush or at close (a full disk, a closed pipe's reader).
int finish_output(int status) {
    errno = 0;
    std::cout.flush();
    bool bad = !std::cout || std::ferror(stdout);
    int err = errno;
    if (!bad && std::fflush(stdout) != 0) bad = true, err = errno;
    if (std::fclose(stdout) != 0 && !bad) bad = true, err = errno;
    if (bad) {
        std::cerr << "cpucompat: cannot write the output: " << (err ? std::strerror(err) : "write error") << "\n";
        return 2;
    }
    return status;
}

// An error as one line on stderr (input bytes escaped), and under --json
// also as JSON on stdout, so automation always reads JSON there.
int fail(const cpucompat::GlobalOptions &g, const std::string &msg) {
    std::cerr << "cpucompat: " << cpucompat::terminal_safe(msg) << "\n";
    if (g.json) std::cout << cpucompat::json_text({{"error", msg}, {"exit", 2}});
    return finish_output(2);
}

struct VersionRequest {};

// `cpucompat --version`: the package version and the Xen it was built
// against; under --json (anywhere on the line) as JSON.
int print_version(int argc, char **argv) {
    bool json = false;
    for (int i = 1; i < argc; ++i) json = json || std::string_view(argv[i]) == "--json";
    if (json)
        std::cout << cpucompat::json_text({{"version", CPUCOMPAT_VERSION}, {"xen_built_against", CPUCOMPAT_XEN_BUILT}});
    else
        std::cout << "cpucompat " << CPUCOMPAT_VERSION << "\nbuilt against Xen " << CPUCOMPAT_XEN_BUILT << "\n";
    return finish_output(0);
}

}  // namespace

int main(int argc, char **argv) {
    using namespace cpucompat;
    CLI::App app{"cpucompat: CPUID policies and compatibility for Xen (see cpucompat(1))", "cpucompat"};
    app.require_subcommand(1);
    GlobalOptions g;
    app.add_flag("--json", g.json, "machine-readable output on stdout");
    app.add_flag_callback("--version", [] { throw VersionRequest{}; }, "the package version and the Xen it was built against")
        ->trigger_on_parse();
    std::vector<std::pair<CLI::App *, Runner>> commands;
    for (auto add : {add_show, add_host, add_features, add_guests, add_compare, add_level, add_normalize, add_create, add_check_restore, add_publish, add_migrate, add_migrate_receive, add_evacuate, add_recover, add_facts, add_pool, add_pacemaker}) {
        Runner r = add(app, g);
        commands.emplace_back(app.get_subcommands({}).back(), std::move(r));
    }
    for (auto &[sub, run] : commands) sub->add_flag("--json", g.json, "machine-readable output on stdout");
    try {
        app.parse(argc, argv);
    } catch (const VersionRequest &) {
        return print_version(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        return fail(g, std::string(e.what()) + " (see cpucompat --help)");
    }
    try {
        for (auto &[sub, run] : commands)
            if (sub->parsed()) return finish_output(run());
    } catch (const Error &e) {
        return fail(g, e.what());
    } catch (const std::exception &e) {
        return fail(g, std::string("internal error: ") + e.what());
    }
    return 2;
}
