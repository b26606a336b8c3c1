// show, host, features: looking at policies and at the catalogue.
#include <iostream>
#include <memory>

#include "../adapters/xen_host.h"
#include "../core/error.h"
#include "../import/fingerprint.h"
#include "../import/import.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

void emit_policy(const GlobalOptions &g, const std::string &title, const Policy &p, bool raw, bool yaml) {
    if (yaml && g.json) throw Error("--json and --yaml each choose the output format: give one of them");
    if (yaml) std::cout << policy_to_yaml(p, raw);
    else if (g.json) std::cout << json_text(policy_to_json(p, raw));
    else print_policy(std::cout, title, p);
}

}  // namespace

Runner add_show(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::string file, policy; bool raw = false, yaml = false; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("show", "Decode a fingerprint: xen-cpuid -p, InstLatx64 dump, cpuid -r, or a cpucompat JSON/YAML fingerprint");
    c->add_option("FILE", o->file, "the file to decode (- for standard input)")->required();
    c->add_option("--policy", o->policy, "which policy of a xen-cpuid -p file (host, hvm-max, domain-3, ...; default host)");
    c->add_flag("--raw", o->raw, "include the raw CPUID leaves and MSRs");
    c->add_flag("--yaml", o->yaml, "print the fingerprint as YAML");
    return [o, &g] {
        const Imported in = import_file(o->file, o->policy);
        emit_policy(g, in.describe(), in.policy, o->raw, o->yaml);
        return 0;
    };
}

Runner add_host(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::string policy = "host"; bool raw = false, yaml = false; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("host", "Show this host's CPUID policy as Xen reports it (dom0, root)");
    c->add_option("--policy", o->policy, "raw, host, pv-max, hvm-max, pv-default or hvm-default")->capture_default_str();
    c->add_flag("--raw", o->raw, "include the raw CPUID leaves and MSRs");
    c->add_flag("--yaml", o->yaml, "print the fingerprint as YAML");
    return [o, &g] {
        const SystemPolicy which = parse_system_policy(o->policy);
        const Policy p = read_system_policy(which);
        emit_policy(g, std::string("this host: Xen ") + system_policy_name(which) + " policy", p, o->raw, o->yaml);
        return 0;
    };
}

Runner add_features(CLI::App &app, const GlobalOptions &g) {
    app.add_subcommand("features", "List every feature Xen knows, with its location, attributes and dependants");
    return [&g] {
        const Catalogue &cat = Catalogue::get();
        if (g.json) {
            nlohmann::ordered_json all = nlohmann::ordered_json::array();
            for (const auto &f : cat.features()) {
                auto j = feature_json(f);
                j["xen_name"] = f.xen_name;
                j["xen_cpuid_name"] = f.xen_cpuid;
                j["attributes"] = f.attrs;
                j["description"] = f.description;
                const Featureset *deps = cat.deep_deps(f.id);
                j["dependants"] = deps ? cat.names(*deps) : std::vector<std::string>{};
                all.push_back(j);
            }
            std::cout << json_text(all);
            return 0;
        }
        for (const auto &f : cat.features()) {
            std::printf("%-22s %-3s %-26s %s\n", f.name, f.attrs, feature_location(f).c_str(), f.description);
        }
        return 0;
    };
}

}  // namespace cpucompat
