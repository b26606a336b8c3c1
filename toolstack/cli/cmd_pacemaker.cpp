// pacemaker attributes | pacemaker constraints: cpucompat's judgement in the
// form Pacemaker places by (migration/placement.h). attributes tells what
// this node (or a fingerprint file) can run and, with --apply, stores it as
// permanent node attributes (one cibadmin update); constraints turns domain
// configs into location rules for cibadmin.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include "../../migration/placement.h"
#include "../../migration/pool.h"
#include "../../migration/process.h"
#include "../../xenstore/layout.h"
#include "../../xenstore/records.h"
#include "../adapters/pacemaker_cib.h"
#include "../adapters/xen_host.h"
#include "../adapters/xl_config.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../core/guest.h"
#include "../import/domain_record.h"
#include "../import/guest_table.h"
#include "../import/import.h"
#include "../import/template_yaml.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

NodeCpu this_node() {
    const XenCapabilities caps = read_xen_capabilities();
    NodeCpu cpu{read_system_policy(SystemPolicy::host), std::nullopt, std::nullopt};
    if (caps.hvm) cpu.hvm_max = read_system_policy(SystemPolicy::hvm_max);
    if (caps.pv) cpu.pv_max = read_system_policy(SystemPolicy::pv_max);
    return cpu;
}

// One resource of `constraints`: "ID=XMFILE".
PlacedResource placed(const std::string &arg, const std::optional<std::string> &default_mode) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
        throw Error("resource " + quote_text(arg) + ": write RESOURCE=XMFILE (the resource's id and its domain's xl config)");
    const std::string id = arg.substr(0, eq), file = arg.substr(eq + 1);
    const XlConfigCpu cfg = xl_config_cpu(file);
    const std::optional<std::string> mode = cfg.mode ? cfg.mode : default_mode;
    if (!mode)
        throw Error(file + ": no cpu_compat=; give --default-mode MODE (the mode its nodes' xl.conf or cpucompat.yaml give it)");
    PlacedResource r{id, parse_mode(*mode), cfg.pv ? GuestType::pv : GuestType::hvm, "", std::nullopt};
    if (cfg.guest_os) {
        // What the plugin would judge at the start: the installed guest table.
        static const LoadedGuestTable table = load_guest_table(default_guest_table_path());
        r.guest_os = *cfg.guest_os;
        r.guest_minimum = guest_minimum(table.find(*cfg.guest_os, file), table.levels, r.guest);
    }
    return r;
}

// pacemaker pool-level: the levels of the configured nodes, per vendor,
// and with `apply` each written where mode pool reads it. A node of the
// configuration that is offline still counts (its domains come back with
// it); one removed from it (crm_node --remove) no longer does. So the
// level drops as soon as a weaker node has joined and published, and rises
// only when one is removed. Nothing is written unless every node's
// fingerprint was read.
int pool_level(bool apply, bool json) {
    const std::vector<PoolHost> hosts = cib_pool_hosts(query_cib_nodes());
    const std::vector<VendorLevel> levels = pool_levels(hosts);
    nlohmann::ordered_json j{{"applied", apply}, {"levels", nlohmann::ordered_json::array()}};
    std::optional<XsClient> xs;
    if (apply) xs.emplace();
    for (const auto &l : levels) {
        const std::string hash = policy_hash(l.level);
        const size_t features = Catalogue::get().names(l.level.features).size();
        std::string path, before;
        if (apply) {
            // What was there is only reported: the new level is written
            // whatever it was (an unreadable old value included).
            try {
                if (const std::optional<Policy> old = read_pool(*xs, l.vendor_id)) before = policy_hash(*old);
            } catch (const Error &) {
                before = "unreadable";
            }
            path = xs_layout::pool(vendor_short_name(l.level.vendor()));
            if (before != hash) publish_pool(*xs, l.level);
        }
        j["levels"].push_back({{"vendor", l.vendor_id},
                               {"hosts", l.hosts},
                               {"fingerprint", hash},
                               {"feature_count", features},
                               {"xenstore", path.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(path)},
                               {"was", before.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(before)},
                               {"changed", apply && before != hash}});
        if (!json) {
            std::cout << l.vendor_id << ": " << join(l.hosts, ", ") << "; level " << hash << " (" << features << " features)";
            if (apply) std::cout << (before == hash ? "; unchanged in " : "; written to ") << path << (before.empty() || before == hash ? "" : " (was " + before + ")");
            std::cout << "\n";
        }
    }
    if (json) std::cout << json_text(j);
    return 0;
}

}  // namespace

Runner add_pacemaker(CLI::App &app, const GlobalOptions &g) {
    struct Opts {
        std::string fingerprint, node, default_mode;
        bool apply = false;
        std::vector<std::string> resources;
    };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("pacemaker", "Pacemaker placement: this node's CPU as node attributes, domains' floors as location rules");
    c->require_subcommand(1);
    auto *attrs = c->add_subcommand("attributes", "This node's CPU vendor, fingerprint and, per mode and guest type, whether it meets the floor");
    attrs->add_option("--fingerprint", o->fingerprint, "a host's fingerprint file instead of this host (as publish --pool takes them)");
    attrs->add_flag("--apply", o->apply, "store them as permanent node attributes of --node (one cibadmin update)");
    attrs->add_option("--node", o->node, "the cluster node to --apply them to (default: crm_node -n)");
    auto *level = c->add_subcommand("pool-level", "The pool's level per vendor from every node the cluster configures; --apply writes it to this node's xenstore");
    level->add_flag("--apply", o->apply, "write each vendor's level to /tool/cpucompat/pool/VENDOR here (what mode pool creates with)");
    level->fallthrough();
    auto *cons = c->add_subcommand("constraints", "Location rules (cibadmin XML) keeping each domain off nodes below its mode's floor");
    cons->add_option("resources", o->resources, "RESOURCE=XMFILE: a resource's id and its domain's xl config")->required();
    cons->add_option("--default-mode", o->default_mode, "the mode of a config without cpu_compat=");
    for (auto *s : {attrs, cons}) s->fallthrough();
    return [o, &g, attrs, level]() -> int {
        if (level->parsed()) return pool_level(o->apply, g.json);
        const TemplateLibrary lib = load_template_library(default_data_dir());
        if (attrs->parsed()) {
            if (!o->node.empty() && !o->apply) throw Error("--node names where to --apply; give --apply too");
            NodeCpu cpu;
            if (o->fingerprint.empty()) {
                cpu = this_node();
            } else {
                const Policy p = import_policy_file(o->fingerprint, "max");
                cpu = NodeCpu{p, p, p};
            }
            const std::vector<NodeAttribute> attributes = node_attributes(cpu, lib);
            std::string node;
            std::vector<NodeAttribute> written;
            if (o->apply) {
                node = o->node.empty() ? cluster_node_name() : o->node;
                written = store_node_attributes(node, attributes);
            }
            if (g.json) {
                nlohmann::ordered_json j{{"node", node.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(node)},
                                         {"applied", o->apply},
                                         {"attributes", nlohmann::ordered_json::object()},
                                         {"written", nlohmann::ordered_json::array()}};
                for (const auto &a : attributes) j["attributes"][a.name] = a.value;
                for (const auto &a : written) j["written"].push_back(a.name);
                std::cout << json_text(j);
            } else {
                for (const auto &a : attributes) std::cout << a.name << "=" << terminal_safe(a.value) << "\n";
                // On stderr: the lines above stay name=value alone.
                if (o->apply)
                    std::cerr << "node " << terminal_safe(node) << ": " << written.size() << " of " << attributes.size() << " attributes written"
                              << (written.empty() ? " (all were current; the CIB is unchanged)" : "") << "\n";
            }
            return 0;
        }
        const std::optional<std::string> default_mode = o->default_mode.empty() ? std::nullopt : std::optional<std::string>(o->default_mode);
        std::vector<PlacedResource> rs;
        for (const auto &a : o->resources) rs.push_back(placed(a, default_mode));
        // A level this data directory does not have would ban every node.
        for (const auto &r : rs)
            if (r.mode.kind == Mode::Kind::level && !lib.count(r.mode.arg)) {
                std::vector<std::string> names;
                for (const auto &[name, t] : lib) names.push_back(name);
                throw Error("resource " + r.id + ": mode " + r.mode.to_string() + ": no such baseline in " + default_data_dir() + " (there are " +
                            join(names, ", ") + ")");
            }
        // A guest named: judged on every node the cluster configures, by
        // what each published (cib_node_values: a node without it is banned).
        std::map<std::string, std::vector<std::pair<std::string, std::string>>> bans;
        if (std::any_of(rs.begin(), rs.end(), [](const PlacedResource &r) { return !r.guest_os.empty(); })) {
            const std::vector<ClusterNode> nodes = cluster_nodes(cib_node_values(query_cib_nodes(), kMaxAttribute));
            for (const auto &r : rs)
                if (!r.guest_os.empty()) bans[r.id] = guest_bans(r, nodes, lib);
        }
        std::map<std::string, std::vector<std::string>> banned;
        for (const auto &[id, list] : bans)
            for (const auto &[node, why] : list) banned[id].push_back(node);
        const std::string xml = location_constraints_xml(rs, banned);
        if (!g.json) {
            std::cout << xml;
            for (const auto &r : rs) {
                if (floor_attribute(r.mode, r.guest).empty())
                    std::cerr << "cpucompat: resource " << r.id << ": mode " << r.mode.to_string() << " has no floor: every node can start it\n";
                if (bans.count(r.id))
                    for (const auto &[node, why] : bans[r.id])
                        std::cerr << "cpucompat: resource " << r.id << ": not on " << node << ": " << terminal_safe(why) << "\n";
            }
            return 0;
        }
        nlohmann::ordered_json j{{"resources", nlohmann::ordered_json::array()}, {"xml", xml}};
        for (const auto &r : rs) {
            const std::string attr = floor_attribute(r.mode, r.guest);
            j["resources"].push_back({{"id", r.id},
                                      {"mode", r.mode.to_string()},
                                      {"guest", guest_type_name(r.guest)},
                                      {"attribute", attr.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(attr)},
                                      {"guest_os", r.guest_os.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.guest_os)},
                                      {"banned", nlohmann::ordered_json::object()}});
            if (bans.count(r.id))
                for (const auto &[node, why] : bans[r.id]) j["resources"].back()["banned"][node] = why;
        }
        std::cout << json_text(j);
        return 0;
    };
}

}  // namespace cpucompat
