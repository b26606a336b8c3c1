// pool status | pool domains | pool what-if: a pool's levels per vendor
// and where each running domain can go, now and after hosts join or leave.
// The pool is read from fingerprint files (--pool), as `cpucompat publish
// --pool` takes them, or else from the Pacemaker cluster's configuration
// (every node of <nodes> by its cpucompat-max attribute); the judgement is
// migration/pool.h. On a cluster, `pool status` asks every other node for
// its domains (`pool domains` over ssh, migration/pool_domains.h): each
// node judges what runs on it, from its own records.
#include <cctype>
#include <iostream>
#include <memory>

#include "../../migration/pool.h"
#include "../../migration/pool_domains.h"
#include "../../migration/process.h"
#include "../../migration/remote_command.h"
#include "../../migration/xl_moves.h"
#include "../adapters/pacemaker_cib.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../import/domain_record.h"
#include "../import/guest_table.h"
#include "../import/template_yaml.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

// 1..64 of letters, digits, '-', '.', '_', not starting with '-' or '.':
// a node name as corosync and hostname(1) write it.
bool plain_node_name(const std::string &s) {
    if (s.empty() || s.size() > 64 || s[0] == '-' || s[0] == '.') return false;
    for (unsigned char c : s)
        if (!std::isalnum(c) && c != '-' && c != '.' && c != '_') return false;
    return true;
}

// "NAME=FILE", or FILE named by its file name up to the first '.'.
PoolHost pool_host(const std::string &arg, const std::string &option) {
    std::string name, file;
    if (const auto eq = arg.find('='); eq != std::string::npos && arg.find('/') > eq) {
        name = arg.substr(0, eq);
        file = arg.substr(eq + 1);
    } else {
        file = arg;
        const std::string base = file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
        name = base.substr(0, base.find('.'));
    }
    if (!plain_node_name(name))
        throw Error(option + " " + arg + ": \"" + name + "\" is not a node name; write NAME=FILE (letters, digits, '-', '.', '_')");
    if (file.empty()) throw Error(option + " " + arg + ": no file");
    return {name, import_policy_file(file, "max")};
}

// The pool as the cluster configures it (cibadmin --query --scope nodes).
std::vector<PoolHost> cluster_hosts() {
    std::string nodes;
    try {
        nodes = query_cib_nodes();
    } catch (const Error &e) {
        throw Error(std::string("no --pool, and the cluster's configuration cannot be read (") + e.what() +
                    "): give the hosts' fingerprints with --pool [NAME=]FILE, or run this on a node of the Pacemaker cluster");
    }
    return cib_pool_hosts(nodes);
}

std::vector<PoolHost> pool_hosts(const std::vector<std::string> &args, const std::string &option) {
    std::vector<PoolHost> out;
    for (const auto &a : args) out.push_back(pool_host(a, option));
    return out;
}

// This host's running domains, as pool host `node`.
std::vector<PoolDomain> local_domains(const std::string &node, const std::vector<PoolHost> &hosts) {
    bool member = false;
    for (const auto &h : hosts) member = member || h.name == node;
    if (!member) throw Error("--node " + node + ": not a host of the pool (name it in --pool " + node + "=FILE)");
    const LoadedGuestTable guests = load_guest_table(default_guest_table_path());
    std::vector<PoolDomain> out;
    for (const auto &n : list_guest_domains()) {
        const DomainFacts d = gather_domain(n, "");
        out.push_back({d.name, node, d.guest, d.policy, d.live, restart_fit(d, guests)});
    }
    return out;
}

// What each domain of this host, as pool host `node`, can do.
std::vector<DomainMobility> judged_here(const std::string &node, const std::vector<PoolHost> &hosts, const TemplateLibrary &lib) {
    std::vector<DomainMobility> out;
    for (const auto &d : local_domains(node, hosts)) out.push_back({d.name, mobility(d, hosts, lib)});
    return out;
}

// Node `node`'s own judgement of its domains: `cpucompat --json pool
// domains --node NODE` there, over ssh, read as untrusted input and checked
// against this pool. Throws Error naming the node.
std::vector<DomainMobility> judged_there(const std::string &node, const std::vector<PoolHost> &hosts, const std::string &ssh) {
    const std::string where = "node " + node + " (cpucompat pool domains)";
    const ProcessResult r =
        run_captured(ssh_argv(with_keepalive(ssh), node, {"cpucompat", "--json", "pool", "domains", "--node", node}), 120);
    if (r.timed_out) throw Error(where + ": no answer in 120 s");
    if (r.status != 0) {
        const std::string why = first_line(r.err);
        throw Error(where + ": exit " + std::to_string(r.status) + (why.empty() ? "" : ": " + why));
    }
    const NodeDomains answer = node_domains_from_json(r.out, where);
    check_node_domains(answer, node, hosts, where);
    return answer.domains;
}

std::string joined(const std::vector<std::string> &v, const std::string &none = "none") { return v.empty() ? none : join(v, ", "); }

nlohmann::ordered_json level_json(const VendorLevel &l) {
    return {{"vendor", l.vendor_id},
            {"hosts", l.hosts},
            {"fingerprint", policy_hash(l.level)},
            {"features", Catalogue::get().names(l.level.features)},
            {"max_leaf", l.level.max_leaf},
            {"max_subleaf7", l.level.max_subleaf7},
            {"max_extd_leaf", l.level.max_extd_leaf}};
}

void print_mobility(const Mobility &m, const std::string &indent) {
    std::cout << indent << "live to: " << joined(m.live) << "\n" << indent << "restart on: " << joined(m.restart) << "\n";
    for (const auto &[h, why] : m.refused) std::cout << indent << "not to " << h << ": " << terminal_safe(why) << "\n";
}

// "domains on NODE: N", then each domain and where it can go.
void print_node_domains(const std::string &node, const std::vector<DomainMobility> &domains) {
    std::cout << "domains on " << node << ": " << domains.size() << "\n";
    for (const auto &dm : domains) {
        std::cout << "  " << terminal_safe(dm.domain) << "\n";
        print_mobility(dm.mobility, "      ");
    }
}

}  // namespace

Runner add_pool(CLI::App &app, const GlobalOptions &g) {
    struct Opts {
        std::vector<std::string> pool, add, remove;
        std::string node, ssh = "ssh";
        bool levels_only = false;
    };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("pool", "A pool's CPU levels per vendor and where its domains can go, now and after a change");
    c->require_subcommand(1);
    auto *status = c->add_subcommand("status", "Hosts, vendors, the level per vendor, and where each running domain can go");
    auto *domains_cmd = c->add_subcommand("domains", "Where each running domain of this host (pool host --node) can go");
    auto *whatif = c->add_subcommand("what-if", "The pool after --add/--remove: levels, and the domains that lose a live target or need a restart");
    for (auto *s : {status, domains_cmd, whatif}) {
        s->add_option("--pool", o->pool, "a pool host's fingerprint, [NAME=]FILE (repeat for every host); default: the Pacemaker cluster's nodes");
        s->add_option("--node", o->node, "this host is pool host NAME: judge its running domains (default for domains: crm_node -n)");
        s->fallthrough();  // --json after the subcommand is pool's (main.cpp adds it)
    }
    status->add_flag("--levels-only", o->levels_only, "hosts, vendors and levels only: judge no domain, ask no node")
        ->excludes(status->get_option("--node"));
    status->add_option("-s,--ssh", o->ssh, "the ssh command that reaches the other nodes, as xl migrate -s (cluster, no --node)")
        ->capture_default_str();
    whatif->add_option("--add", o->add, "a host joining, [NAME=]FILE (repeat)");
    whatif->add_option("--remove", o->remove, "a host leaving, by NAME (repeat)");
    return [o, &g, status, domains_cmd]() -> int {
        const std::vector<PoolHost> hosts = o->pool.empty() ? cluster_hosts() : pool_hosts(o->pool, "--pool");
        const TemplateLibrary lib = load_template_library(default_data_dir());
        if (domains_cmd->parsed()) {
            if (o->node.empty() && !o->pool.empty()) throw Error("pool domains --pool: give --node NAME (which pool host this is)");
            const std::string node = o->node.empty() ? cluster_node_name() : o->node;
            const NodeDomains here{node, pool_digest(hosts), judged_here(node, hosts, lib)};
            if (g.json) std::cout << json_text(node_domains_json(here));
            else print_node_domains(node, here.domains);
            return 0;
        }
        if (status->parsed()) {
            // Whose domains: --node's (this host); on a cluster, every node's
            // (this one's here, each other's by its own answer); else none.
            std::vector<std::pair<std::string, std::vector<DomainMobility>>> judged;
            std::vector<std::pair<std::string, std::string>> unjudged;  // node, why
            if (!o->node.empty()) judged.emplace_back(o->node, judged_here(o->node, hosts, lib));
            else if (o->pool.empty() && !o->levels_only) {
                const std::string self = cluster_node_name();
                for (const auto &h : hosts) {
                    if (!g.json && h.name != self) std::cerr << "cpucompat: asking " << h.name << " for its domains\n";
                    try {
                        judged.emplace_back(h.name, h.name == self ? judged_here(self, hosts, lib) : judged_there(h.name, hosts, o->ssh));
                    } catch (const Error &e) {
                        unjudged.emplace_back(h.name, e.what());
                    }
                }
            }
            const std::vector<VendorLevel> levels = pool_levels(hosts);
            nlohmann::ordered_json j{{"hosts", nlohmann::ordered_json::array()}, {"levels", nlohmann::ordered_json::array()}};
            for (const auto &h : hosts) j["hosts"].push_back({{"name", h.name}, {"vendor", h.max.vendor_id}, {"fingerprint", policy_hash(h.max)}});
            for (const auto &l : levels) j["levels"].push_back(level_json(l));
            j["domains"] = nlohmann::ordered_json::array();
            j["unjudged"] = nlohmann::ordered_json::array();
            if (!g.json) {
                std::cout << "pool: " << hosts.size() << " host(s)\n";
                for (const auto &l : levels)
                    std::cout << "  " << l.vendor_id << ": " << joined(l.hosts) << "; level " << policy_hash(l.level) << ", "
                              << Catalogue::get().names(l.level.features).size() << " features, max_leaf " << hex(l.level.max_leaf)
                              << ", max_extd_leaf " << hex(l.level.max_extd_leaf) << "\n";
            }
            for (const auto &[node, doms] : judged) {
                if (!g.json) print_node_domains(node, doms);
                for (const auto &dm : doms) {
                    nlohmann::ordered_json dj{{"domain", dm.domain}, {"host", node}};
                    dj.update(mobility_json(dm.mobility));
                    j["domains"].push_back(dj);
                }
            }
            for (const auto &[node, why] : unjudged) {
                j["unjudged"].push_back({{"node", node}, {"error", why}});
                if (!g.json) std::cout << "domains on " << node << ": not known: " << terminal_safe(why) << "\n";
            }
            const int code = unjudged.empty() ? 0 : 1;
            j["exit"] = code;
            if (g.json) std::cout << json_text(j);
            return code;
        }
        const std::vector<PoolDomain> domains = o->node.empty() ? std::vector<PoolDomain>{} : local_domains(o->node, hosts);
        PoolChange change{pool_hosts(o->add, "--add"), o->remove};
        if (change.add.empty() && change.remove.empty()) throw Error("pool what-if: nothing changes; give --add FILE or --remove NAME");
        const WhatIf w = what_if(hosts, domains, change, lib);
        nlohmann::ordered_json j{{"change", {{"add", nlohmann::ordered_json::array()}, {"remove", o->remove}}}};
        for (const auto &a : change.add) j["change"]["add"].push_back({{"name", a.name}, {"vendor", a.max.vendor_id}, {"fingerprint", policy_hash(a.max)}});
        j["levels"] = nlohmann::ordered_json::array();
        if (!g.json) std::cout << "pool: " << hosts.size() << " host(s); after the change: " << hosts.size() + change.add.size() - change.remove.size() << "\n";
        for (const auto &s : w.shifts) {
            const auto hosts_of = [&](const std::vector<VendorLevel> &ls) {
                for (const auto &l : ls)
                    if (l.vendor_id == s.vendor_id) return l.hosts;
                return std::vector<std::string>{};
            };
            nlohmann::ordered_json lj{{"vendor", s.vendor_id}, {"hosts_before", hosts_of(w.before)}, {"hosts_after", hosts_of(w.after)},
                                      {"changed", s.changed()}, {"lost", Catalogue::get().names(s.lost)}, {"gained", Catalogue::get().names(s.gained)},
                                      {"limits_lowered", nlohmann::ordered_json::array()}};
            for (const auto &l : s.lowered) lj["limits_lowered"].push_back({{"limit", l.what}, {"before", l.guest}, {"after", l.host}});
            lj["fingerprint_before"] = s.before ? nlohmann::ordered_json(policy_hash(*s.before)) : nlohmann::ordered_json();
            lj["fingerprint_after"] = s.after ? nlohmann::ordered_json(policy_hash(*s.after)) : nlohmann::ordered_json();
            j["levels"].push_back(lj);
            if (g.json) continue;
            std::cout << "  " << s.vendor_id << " (" << joined(hosts_of(w.before)) << " -> " << joined(hosts_of(w.after)) << "): ";
            if (!s.before) std::cout << "a new vendor in the pool\n";
            else if (!s.after) std::cout << "no host left\n";
            else if (!s.changed()) std::cout << "level unchanged\n";
            else {
                std::cout << "level " << (s.lost.empty() && s.lowered.empty() ? "rises" : s.gained.empty() ? "lowers" : "changes");
                if (!s.lost.empty()) std::cout << "; loses " << joined(Catalogue::get().names(s.lost));
                if (!s.gained.empty()) std::cout << "; gains " << joined(Catalogue::get().names(s.gained));
                for (const auto &l : s.lowered) std::cout << "; " << l.what << " " << hex(l.guest) << " -> " << hex(l.host);
                std::cout << "\n";
            }
        }
        int affected = 0;
        j["domains"] = nlohmann::ordered_json::array();
        if (!g.json && !o->node.empty()) std::cout << "domains on " << o->node << ": " << domains.size() << "\n";
        for (const auto &im : w.domains) {
            affected += im.affected();
            nlohmann::ordered_json dj{{"domain", im.domain}, {"host", im.host}, {"affected", im.affected()}, {"live_lost", im.live_lost},
                                      {"live_gained", im.live_gained}, {"host_removed", im.host_removed}};
            dj["after"] = mobility_json(im.after);
            dj["guest_after"] = im.guest_after.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(im.guest_after);
            j["domains"].push_back(dj);
            if (g.json) continue;
            std::cout << "  " << im.domain << ": " << (im.affected() ? "affected" : "not affected") << "\n";
            if (!im.live_lost.empty()) std::cout << "      loses live moves to: " << joined(im.live_lost) << "\n";
            if (!im.live_gained.empty()) std::cout << "      gains live moves to: " << joined(im.live_gained) << "\n";
            if (im.host_removed)
                std::cout << "      its host leaves: it must move first ("
                          << (!im.after.live.empty() ? "live to " + joined(im.after.live)
                              : !im.after.restart.empty() ? "by restart on " + joined(im.after.restart)
                                                          : "no host takes it")
                          << ")\n";
            if (!im.guest_after.empty()) std::cout << "      its next start: " << terminal_safe(im.guest_after) << "\n";
        }
        const int status_code = affected ? 1 : 0;
        j["affected_domains"] = affected;
        j["exit"] = status_code;
        if (g.json) std::cout << json_text(j);
        else if (!o->node.empty()) std::cout << affected << " domain(s) affected\n";
        return status_code;
    };
}

}  // namespace cpucompat
