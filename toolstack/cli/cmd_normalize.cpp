// level and normalize: computing the policy a group of hosts, or a mode,
// gives a domain.
#include <iostream>
#include <memory>

#include "../adapters/libxl_cpuid.h"
#include "../core/level.h"
#include "../core/normalize.h"
#include "../core/to_xl.h"
#include "../import/fingerprint.h"
#include "../import/import.h"
#include "../import/template_yaml.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

std::vector<Policy> import_all(const std::vector<std::string> &files, const std::string &sel) {
    std::vector<Policy> out;
    for (const auto &f : files) out.push_back(import_policy_file(f, sel));
    return out;
}

// The cpuid= line, checked by libxl's own parser before it is shown.
void print_xl(const Policy &policy, const Policy &host) {
    const XlCpuid x = to_xl(policy, host);
    validate_with_libxl(x);
    std::cout << x.config_line() << "\n";
}

// A reference host for a level's cpuid= line: everything any member has,
// so the line hides the same features on every member.
Policy union_of(const std::vector<Policy> &ps) {
    Policy u = ps.front();
    for (const auto &p : ps) {
        u.features |= p.features;
        u.max_leaf = std::max(u.max_leaf, p.max_leaf);
        u.max_extd_leaf = std::max(u.max_extd_leaf, p.max_extd_leaf);
        u.max_subleaf7 = std::max(u.max_subleaf7, p.max_subleaf7);
    }
    return u;
}

}  // namespace

Runner add_level(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::vector<std::string> files; std::string policy = "max", tmpl, description; bool xl = false; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("level", "The common policy of same-vendor hosts: features ANDed, limits at the minimum");
    c->add_option("FILE", o->files, "host policies, any importable files")->required();
    c->add_option("--policy", o->policy, "which policy of xen-cpuid -p files (default max)")->capture_default_str();
    c->add_flag("--xl", o->xl, "print the cpuid= line that applies the level on any of these hosts");
    c->add_option("--template", o->tmpl, "print the level as a CPU template named NAME (for file:PATH or a baseline)");
    c->add_option("--description", o->description, "with --template: its description");
    return [o, &g] {
        const auto ps = import_all(o->files, o->policy);
        const Policy lvl = level(ps);
        if (!o->tmpl.empty()) {
            // A template requires the capabilities Xen gives guests by
            // default; state bits and opt-in features stay the host's.
            const Catalogue &cat = Catalogue::get();
            Featureset req;
            for (const auto &f : cat.features())
                if (lvl.features.test(f.id) && f.guest_default() && !cat.state_bits().test(f.id)) req.set(f.id);
            CpuTemplate t;
            t.name = o->tmpl;
            t.description = o->description;
            t.vendor_id = lvl.vendor_id;
            for (const auto &f : o->files) {
                const auto slash = f.find_last_of('/');
                t.source += (t.source.empty() ? "cpucompat level of: " : ", ") + f.substr(slash == std::string::npos ? 0 : slash + 1);
            }
            t.require = req;
            t.max_leaf = lvl.max_leaf;
            t.max_extd_leaf = lvl.max_extd_leaf;
            t.max_subleaf7 = lvl.max_subleaf7;
            std::cout << template_to_yaml(t);
        } else if (o->xl) print_xl(lvl, union_of(ps));
        else if (g.json) std::cout << policy_to_json(lvl, false).dump(2) << "\n";
        else print_policy(std::cout, "level of " + std::to_string(ps.size()) + " host(s)", lvl);
        return 0;
    };
}

Runner add_normalize(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::string mode, file, policy = "max", guest_type = "hvm"; std::vector<std::string> pool; bool xl = false; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("normalize", "The domain policy a cpu_compat mode gives on a host");
    c->add_option("--mode", o->mode, "off, vendor, level:NAME, hyperv-r2, pool or file:PATH")->required();
    c->add_option("FILE", o->file, "the host's policy, any importable file")->required();
    c->add_option("--pool", o->pool, "with --mode pool: every pool host's policy (repeat the option)");
    c->add_option("--policy", o->policy, "which policy of xen-cpuid -p files (default max)")->capture_default_str();
    c->add_flag("--xl", o->xl, "print the cpuid= line for xl.cfg instead");
    c->add_option("--guest-type", o->guest_type, "pv or hvm (PVH is hvm): a PV guest is not asked for HVM-only features")
        ->check(CLI::IsMember({"pv", "hvm"}))
        ->capture_default_str();
    return [o, &g] {
        const GuestType guest = o->guest_type == "pv" ? GuestType::pv : GuestType::hvm;
        const Mode mode = parse_mode(o->mode);
        const Policy host = import_policy_file(o->file, o->policy);
        const TemplateLibrary lib = load_templates_for(mode, host.vendor_id, default_data_dir());
        if (mode.kind == Mode::Kind::pool && o->pool.empty()) throw Error("--mode pool needs --pool FILE for every pool host");
        Policy out;
        try {
            out = normalize(host, mode, lib, import_all(o->pool, o->policy), guest);
        } catch (const BelowFloorError &e) {
            if (g.json) {
                nlohmann::ordered_json j{{"error", e.what()}, {"below_floor", true}, {"missing", nlohmann::ordered_json::array()}};
                for (FeatureId id : e.missing()) j["missing"].push_back(Catalogue::get().by_id(id)->name);
                std::cout << j.dump(2) << "\n";
            }
            std::cerr << "cpucompat: " << o->file << ": " << e.what() << "\n";
            return 1;
        }
        if (o->xl) print_xl(out, host);
        else if (g.json) std::cout << policy_to_json(out, false).dump(2) << "\n";
        else print_policy(std::cout, o->file + " normalized with mode " + mode.to_string(), out);
        return 0;
    };
}

}  // namespace cpucompat
