// Domains: create and migrate-receive (xl with the plugin), check-restore (the plugin's
// restore verdict as a dry run) and publish (xenstore records).
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "../adapters/xen_host.h"
#include "../core/compare.h"
#include "../core/level.h"
#include "../core/text.h"
#include "../import/fingerprint.h"
#include "../import/guest_table.h"
#include "../import/import.h"
#include "../import/save_image.h"
#include "../import/template_yaml.h"
#include "../../migration/held_create.h"
#include "../../migration/host_facts.h"
#include "cpucompat_version.h"
#include "../../xenstore/layout.h"
#include "../../xenstore/records.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

// $CPUCOMPAT_PLUGIN, else <exe>/../lib/cpucompat/ (installed layout and
// build tree alike), else the compiled-in LIBDIR. Throws Error when it is
// not readable there.
std::string installed_plugin() {
    std::string path;
    if (const char *env = std::getenv("CPUCOMPAT_PLUGIN"); env && *env) path = env;
    else path = beside_exe("lib/cpucompat/libxl-cpucompat.so");
    if (path.empty()) path = std::string(CPUCOMPAT_LIBDIR) + "/libxl-cpucompat.so";
    if (access(path.c_str(), R_OK) != 0) throw Error(path + ": the cpucompat plugin is not installed there: " + std::strerror(errno));
    return path;
}

// LD_PRELOAD with the plugin first.
std::string plugin_preload() {
    std::string preload = installed_plugin();
    if (const char *old = std::getenv("LD_PRELOAD"); old && *old) preload += std::string(":") + old;
    return preload;
}

// Runs `xl SUBCOMMAND ARGS...` with the plugin preloaded; returns only on
// failure to start it.
[[noreturn]] void exec_xl_with_plugin(const char *subcommand, std::vector<std::string> args) {
    setenv("LD_PRELOAD", plugin_preload().c_str(), 1);
    std::vector<char *> argv{const_cast<char *>("xl"), const_cast<char *>(subcommand)};
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::cout.flush();
    execvp("xl", argv.data());
    throw Error(std::string("cannot run xl: ") + std::strerror(errno));
}

// A prefix command's arguments: the ones CLI11 matched, then the rest as given.
std::vector<std::string> passed_args(const std::vector<std::string> &matched, const CLI::App *c) {
    std::vector<std::string> all = matched;
    for (const auto &r : c->remaining()) all.push_back(r);
    return all;
}

}  // namespace

Runner add_create(CLI::App &app, const GlobalOptions &g) {
    struct Opts {
        std::vector<std::string> args;
        bool check_only = false;
        double hold = 0;
    };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("create", "xl create with the cpucompat plugin loaded: CFG [KEY=VALUE...], xl's options pass through");
    c->prefix_command();
    c->add_flag("--check", o->check_only, "only check that the plugin and CFG are there (cpucompat migrate asks receivers this)");
    c->add_option("--hold", o->hold, "create paused; run it on a line \"go\" on stdin within this many seconds, else destroy it")
        ->check(CLI::PositiveNumber);
    c->add_option("ARGS", o->args, "xl create's arguments");
    return [o, c, &g]() -> int {
        if (g.json) throw Error("create runs xl create, whose output is xl's own text: --json does not apply to it");
        std::vector<std::string> all = passed_args(o->args, c);
        if (all.empty()) throw Error("create needs a domain config file (cpucompat create CFG [KEY=VALUE...])");
        if (o->check_only) {
            const std::string plugin = installed_plugin();
            if (access(all.back().c_str(), R_OK) != 0) throw Error(all.back() + ": " + std::strerror(errno));
            std::cout << "plugin " << plugin << ", config " << all.back() << ": ready\n";
            return 0;
        }
        if (o->hold > 0) {
            for (const auto &a : all)
                if (a.rfind("-", 0) == 0) throw Error("create --hold takes CFG [KEY=VALUE...] only, not xl's option " + a);
            return run_held_create(all[0], std::vector<std::string>(all.begin() + 1, all.end()), o->hold, plugin_preload());
        }
        exec_xl_with_plugin("create", std::move(all));
    };
}

// The receiving end of a plain `xl migrate -s "" DOMAIN "ssh HOST cpucompat
// migrate-receive"`: the plugin judges the incoming domain's record against
// this host before its memory is sent, so even a sender without the wrapper
// is checked.
Runner add_migrate_receive(CLI::App &app, const GlobalOptions &g) {
    auto args = std::make_shared<std::vector<std::string>>();
    auto *c = app.add_subcommand("migrate-receive", "xl migrate-receive with the cpucompat plugin loaded: incompatible domains are refused before their memory moves");
    c->prefix_command();
    c->add_option("ARGS", *args, "xl migrate-receive's options");
    return [args, c, &g]() -> int {
        if (g.json) throw Error("migrate-receive speaks xl's migration protocol on stdout: --json does not apply to it");
        exec_xl_with_plugin("migrate-receive", passed_args(*args, c));
    };
}

Runner add_check_restore(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::string image, host; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("check-restore", "Would this host restore the save image? The plugin's verdict, changing nothing");
    c->add_option("SAVEFILE", o->image, "an xl save image")->required();
    c->add_option("--host", o->host, "judge against this host policy file instead of the running Xen");
    return [o, &g] {
        const nlohmann::json config = read_save_image_config(o->image);
        const std::string name = config_domain_name(config);
        const auto rec = config_record(config, o->image);
        if (!rec) {
            if (g.json) std::cout << json_text(nlohmann::ordered_json{{"domain", name}, {"record", false}, {"compatible", true}});
            else std::cout << "domain " << terminal_safe(name) << ": no cpucompat record; it would be restored without a CPU compatibility check\n";
            return 0;
        }
        const bool pv = rec->guest == GuestType::pv;
        const Policy host = o->host.empty() ? read_system_policy(pv ? SystemPolicy::pv_max : SystemPolicy::hvm_max)
                                            : import_policy_file(o->host, pv ? "pv-max" : "hvm-max");
        const CompareResult r = restore_verdict(rec->policy, host, rec->unknown_features);
        // The plugin's second question: does its guest still boot with it?
        const RecordedGuestVerdict guest =
            rec->guest_os.empty() ? RecordedGuestVerdict{} : recorded_guest_verdict(*rec, load_guest_table(default_guest_table_path()));
        if (g.json) {
            auto j = compare_json(r, rec->policy, host);
            j["domain"] = name;
            j["record"] = {{"mode", rec->mode}, {"template", rec->template_name}, {"host", rec->host}, {"time", rec->time}};
            if (!rec->guest_os.empty()) {
                j["record"]["guest_os"] = rec->guest_os;
                j["guest"] = {{"known", !guest.unknown}, {"refusal", guest.refusal}};
            }
            j["compatible"] = r.compatible() && guest.refusal.empty();
            std::cout << json_text(j);
        } else {
            // The record came with the image, from anywhere: shown escaped.
            std::cout << "domain " << terminal_safe(name) << " (mode " << terminal_safe(rec->mode) << ", created on "
                      << terminal_safe(rec->host) << " " << terminal_safe(rec->time)
                      << (rec->guest_os.empty() ? "" : ", guest " + rec->guest_os) << ")\n";
            print_compare(std::cout, r, rec->policy, host);
            if (guest.unknown) std::cout << "guest " << rec->guest_os << ": not in this host's guest table; not checked\n";
            if (!guest.refusal.empty()) std::cout << "refused: " << guest.refusal << "\n";
        }
        return r.compatible() && guest.refusal.empty() ? 0 : 1;
    };
}

Runner add_publish(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::vector<std::string> pool; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("publish", "Write this host's fingerprint to xenstore and drop records of gone domains");
    c->add_option("--pool", o->pool, "also publish the level of these host policy files as the pool level of their vendor");
    return [o, &g] {
        XsClient xs;
        const Policy host = read_system_policy(SystemPolicy::host);
        publish_host(xs, host);
        const unsigned dropped = prune_domain_records(xs);
        nlohmann::ordered_json j{{"host", xs_layout::host()}, {"dropped_domain_records", dropped}};
        if (!o->pool.empty()) {
            std::vector<Policy> ps;
            for (const auto &f : o->pool) ps.push_back(import_policy_file(f, "max"));
            const Policy lvl = level(ps);
            publish_pool(xs, lvl);
            j["pool"] = xs_layout::pool(vendor_short_name(lvl.vendor()));
        }
        if (g.json) std::cout << json_text(j);
        else {
            std::cout << "published " << xs_layout::host() << "\n";
            if (j.contains("pool")) std::cout << "published " << j["pool"].get<std::string>() << "\n";
            std::cout << "dropped " << dropped << " record(s) of domains no longer on this host\n";
        }
        return 0;
    };
}

}  // namespace cpucompat

namespace cpucompat {

Runner add_facts(CLI::App &app, const GlobalOptions &g) {
    app.add_subcommand("facts", "What a sender asks of this host before a move, in one call: max policies, free memory, Xen, plugin");
    return [&g] {
        HostFacts f;
        f.cpucompat_version = CPUCOMPAT_VERSION;
        f.xen_version = read_xen_version();
        const XenCapabilities caps = read_xen_capabilities();
        f.pv = caps.pv;
        f.hvm = caps.hvm;
        f.hap = caps.hap;
        f.shadow = caps.shadow;
        if (caps.pv) f.pv_max = read_system_policy(SystemPolicy::pv_max);
        if (caps.hvm) f.hvm_max = read_system_policy(SystemPolicy::hvm_max);
        f.free_kb = read_free_memory_kb();
        try {
            installed_plugin();
            f.plugin = true;
        } catch (const Error &) {
        }
        if (g.json) {
            std::cout << json_text(host_facts_json(f));
            return 0;
        }
        std::cout << "cpucompat " << f.cpucompat_version << " on Xen " << f.xen_version << "\n"
                  << "free memory: " << f.free_kb / 1024 << " MiB\n"
                  << "guests: " << (f.pv ? "pv " : "") << (f.hvm ? "hvm " : "") << "(hap " << (f.hap ? "yes" : "no") << ", shadow paging "
                  << (f.shadow ? "yes" : "no") << ")\n"
                  << "plugin: " << (f.plugin ? "installed" : "not installed") << "\n";
        return 0;
    };
}

}  // namespace cpucompat
