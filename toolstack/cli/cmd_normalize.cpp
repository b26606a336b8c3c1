// level and normalize: computing the policy a group of hosts, or a mode,
// gives a domain.
#include <iostream>
#include <memory>
#include <optional>

#include "../adapters/libxl_cpuid.h"
#include "../core/guest.h"
#include "../core/level.h"
#include "../core/normalize.h"
#include "../core/text.h"
#include "../core/to_xl.h"
#include "../import/fingerprint.h"
#include "../import/guest_table.h"
#include "../import/import.h"
#include "../import/template_yaml.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

std::vector<Imported> import_all(const std::vector<std::string> &files, const std::string &sel) {
    std::vector<Imported> out;
    for (const auto &f : files) out.push_back(import_file(f, sel));
    return out;
}

std::vector<Policy> policies_of(const std::vector<Imported> &in) {
    std::vector<Policy> out;
    for (const auto &i : in) out.push_back(i.policy);
    return out;
}

nlohmann::ordered_json inputs_json(const std::vector<Imported> &in) {
    auto j = nlohmann::ordered_json::array();
    for (const auto &i : in) j.push_back(input_json(i));
    return j;
}

// The cpuid= line, checked by libxl's own parser before it is shown.
std::string xl_line(const Policy &policy, const Policy &host) {
    const XlCpuid x = to_xl(policy, host);
    validate_with_libxl(x);
    return x.config_line();
}

// --guest NAME: what of the guest's minimum (cpucompat guests) a policy
// lacks. A PV guest is not asked for HVM-only features: Xen never gives a
// PV domain those.
struct GuestVerdict {
    std::string name;
    std::vector<std::string> missing;
};

std::optional<GuestVerdict> judge_guest(const std::string &name, const Policy &p, GuestType type) {
    if (name.empty()) return std::nullopt;
    const LoadedGuestTable table = load_guest_table(default_guest_table_path());
    const Featureset minimum = guest_minimum(table.find(name, "--guest: "), table.levels, type);
    return GuestVerdict{name, Catalogue::get().names(guest_missing(p.features, minimum))};
}

// A policy in the chosen form: JSON (a fingerprint with the inputs it was
// computed from), the cpuid= line (--xl; under --json a string field), or
// text naming the inputs. With a guest verdict: under JSON a "guest" object,
// else a warning on stderr when the guest would not boot. Returns the exit
// status: 1 when the guest lacks features and `strict`, else 0.
int emit(const GlobalOptions &g, const std::string &title, const std::vector<Imported> &inputs, const Policy &p,
         const std::optional<std::string> &xl, const std::optional<GuestVerdict> &guest = std::nullopt, bool strict = false) {
    if (g.json) {
        nlohmann::ordered_json j = xl ? nlohmann::ordered_json{{"xl", *xl}} : policy_to_json(p, false);
        j["inputs"] = inputs_json(inputs);
        if (guest) j["guest"] = {{"name", guest->name}, {"boots", guest->missing.empty()}, {"missing", guest->missing}};
        std::cout << json_text(j);
    } else if (xl) {
        std::cout << *xl << "\n";
    } else {
        print_policy(std::cout, title, p, inputs);
    }
    if (!guest || guest->missing.empty()) return 0;
    std::cerr << "cpucompat: " << (strict ? "" : "warning: ") << "guest " << guest->name << " would not boot with this policy: it needs "
              << join(guest->missing, ", ") << " (cpucompat guests " << guest->name << ")\n";
    return strict ? 1 : 0;
}

}  // namespace

Runner add_level(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::vector<std::string> files; std::string policy = "max", tmpl, description, guest; bool xl = false, strict = false; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("level", "The common policy of same-vendor hosts: features ANDed, limits at the minimum");
    c->add_option("FILE", o->files, "host policies, any importable files")->required();
    c->add_option("--policy", o->policy, "which policy of xen-cpuid -p files (default max)")->capture_default_str();
    c->add_flag("--xl", o->xl, "print the cpuid= line that applies the level on any of these hosts");
    auto *tmpl = c->add_option("--template", o->tmpl, "print the level as a CPU template named NAME (for file:PATH or a baseline)");
    c->add_option("--description", o->description, "with --template: its description");
    auto *guest = c->add_option("--guest", o->guest, "warn when this guest OS (cpucompat guests) would not boot at the level");
    c->add_flag("--strict", o->strict, "with --guest: exit 1 instead of warning")->needs(guest);
    guest->excludes(tmpl);
    return [o, &g] {
        const auto inputs = import_all(o->files, o->policy);
        const auto ps = policies_of(inputs);
        const Policy lvl = level(ps);
        if (!o->tmpl.empty()) {
            // A template requires the capabilities Xen gives guests by
            // default; state bits and opt-in features stay the host's.
            const Catalogue &cat = Catalogue::get();
            Featureset req;
            for (const auto &f : cat.features())
                if (lvl.features.test(f.id) && f.guest_default() && !cat.state_bits().test(f.id)) req.set(f.id);
            if (!plain_template_name(o->tmpl))
                throw Error("--template: a name of letters, digits, '.', '_', '+' or '-' (it names a level), not " + quote_text(o->tmpl));
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
            if (const auto problem = template_problem(t))
                throw Error("the level cannot be written as template " + quote_text(t.name) + ": " + problem->key + ": " + problem->message);
            if (g.json) std::cout << json_text({{"template", template_to_yaml(t)}, {"inputs", inputs_json(inputs)}});
            else std::cout << template_to_yaml(t);
            return 0;
        }
        const auto xl = o->xl ? std::optional<std::string>(xl_line(lvl, union_of(ps))) : std::nullopt;
        return emit(g, "level of " + std::to_string(ps.size()) + " host(s)", inputs, lvl, xl, judge_guest(o->guest, lvl, GuestType::hvm),
                    o->strict);
    };
}

Runner add_normalize(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::string mode, file, policy = "max", guest_type = "hvm", guest; std::vector<std::string> pool; bool xl = false, strict = false; };
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
    auto *guest_opt = c->add_option("--guest", o->guest, "warn when this guest OS (cpucompat guests) would not boot with the policy");
    c->add_flag("--strict", o->strict, "with --guest: exit 1 instead of warning")->needs(guest_opt);
    return [o, &g] {
        const GuestType guest = o->guest_type == "pv" ? GuestType::pv : GuestType::hvm;
        const Mode mode = parse_mode(o->mode);
        const Imported host_in = import_file(o->file, o->policy);
        const Policy &host = host_in.policy;
        const TemplateLibrary lib = load_templates_for(mode, host.vendor_id, default_data_dir());
        if (mode.kind == Mode::Kind::pool && o->pool.empty()) throw Error("--mode pool needs --pool FILE for every pool host");
        Policy out;
        try {
            out = normalize(host, mode, lib, policies_of(import_all(o->pool, o->policy)), guest);
        } catch (const BelowFloorError &e) {
            if (g.json) {
                nlohmann::ordered_json j{{"error", e.what()}, {"below_floor", true}, {"missing", nlohmann::ordered_json::array()}};
                for (FeatureId id : e.missing()) j["missing"].push_back(Catalogue::get().by_id(id)->name);
                std::cout << json_text(j);
            }
            std::cerr << "cpucompat: " << terminal_safe(o->file) << ": " << e.what() << "\n";
            return 1;
        }
        const auto xl = o->xl ? std::optional<std::string>(xl_line(out, host)) : std::nullopt;
        return emit(g, "normalized with mode " + mode.to_string(), {host_in}, out, xl, judge_guest(o->guest, out, guest), o->strict);
    };
}

}  // namespace cpucompat
