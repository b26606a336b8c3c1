#include "pool_domains.h"

#include <set>

#include "../toolstack/core/error.h"
#include "../toolstack/import/domain_record.h"
#include "../toolstack/import/fingerprint.h"

namespace cpucompat {

namespace {

// A JSON string of 1..max bytes without control characters: names and
// reasons are printed on a terminal and matched as names.
std::string short_text(const nlohmann::json &v, const std::string &what, std::size_t max, const std::string &where) {
    if (!v.is_string()) throw Error(where + ": " + what + " is not a string");
    const std::string s = v.get<std::string>();
    if (s.empty() || s.size() > max) throw Error(where + ": " + what + " is empty or longer than " + std::to_string(max) + " bytes");
    for (const unsigned char c : s)
        if (c < 0x20 || c == 0x7f) throw Error(where + ": " + what + " holds a control character");
    return s;
}

void exact_keys(const nlohmann::json &j, const std::set<std::string> &keys, const std::string &what, const std::string &where) {
    if (!j.is_object()) throw Error(where + ": " + what + " is not an object");
    for (const auto &[k, v] : j.items())
        if (!keys.count(k)) throw Error(where + ": " + what + ": unknown key \"" + k + "\"");
    for (const auto &k : keys)
        if (!j.contains(k)) throw Error(where + ": " + what + ": \"" + k + "\" missing");
}

std::vector<std::string> names(const nlohmann::json &v, const std::string &what, const std::string &where) {
    if (!v.is_array()) throw Error(where + ": " + what + " is not an array");
    std::vector<std::string> out;
    for (const auto &n : v) out.push_back(short_text(n, what + " entry", 64, where));
    return out;
}

}  // namespace

nlohmann::ordered_json mobility_json(const Mobility &m) {
    nlohmann::ordered_json j{{"live", m.live}, {"restart", m.restart}, {"refused", nlohmann::ordered_json::object()}};
    for (const auto &[h, why] : m.refused) j["refused"][h] = why;
    return j;
}

std::vector<std::pair<std::string, std::string>> pool_digest(const std::vector<PoolHost> &hosts) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto &h : hosts) out.emplace_back(h.name, policy_hash(h.max));
    return out;
}

nlohmann::ordered_json node_domains_json(const NodeDomains &d) {
    nlohmann::ordered_json j{{"format", kPoolDomainsFormat}, {"node", d.node}, {"pool", nlohmann::ordered_json::array()},
                             {"domains", nlohmann::ordered_json::array()}};
    for (const auto &[name, fp] : d.pool) j["pool"].push_back({{"name", name}, {"fingerprint", fp}});
    for (const auto &dm : d.domains) {
        nlohmann::ordered_json e{{"domain", dm.domain}};
        e.update(mobility_json(dm.mobility));
        j["domains"].push_back(e);
    }
    return j;
}

NodeDomains node_domains_from_json(const std::string &text, const std::string &where) {
    const nlohmann::json j = parse_json_strict(text, where);
    if (!j.is_object() || !j.contains("format") || j["format"] != kPoolDomainsFormat)
        throw Error(where + ": not a node's domains of format " + kPoolDomainsFormat);
    exact_keys(j, {"format", "node", "pool", "domains"}, "the answer", where);
    NodeDomains d;
    d.node = short_text(j["node"], "\"node\"", 64, where);
    if (!j["pool"].is_array()) throw Error(where + ": \"pool\" is not an array");
    for (const auto &h : j["pool"]) {
        exact_keys(h, {"name", "fingerprint"}, "a pool host", where);
        d.pool.emplace_back(short_text(h["name"], "a pool host's name", 64, where), short_text(h["fingerprint"], "a pool host's fingerprint", 128, where));
    }
    if (!j["domains"].is_array()) throw Error(where + ": \"domains\" is not an array");
    for (const auto &e : j["domains"]) {
        exact_keys(e, {"domain", "live", "restart", "refused"}, "a domain", where);
        DomainMobility dm;
        dm.domain = short_text(e["domain"], "a domain's name", 128, where);
        dm.mobility.live = names(e["live"], "domain " + dm.domain + ": \"live\"", where);
        dm.mobility.restart = names(e["restart"], "domain " + dm.domain + ": \"restart\"", where);
        if (!e["refused"].is_object()) throw Error(where + ": domain " + dm.domain + ": \"refused\" is not an object");
        for (const auto &[h, why] : e["refused"].items())
            dm.mobility.refused.emplace_back(short_text(h, "domain " + dm.domain + ": a refused host", 64, where),
                                             short_text(why, "domain " + dm.domain + ": the reason for " + h, 4096, where));
        d.domains.push_back(std::move(dm));
    }
    return d;
}

void check_node_domains(const NodeDomains &answer, const std::string &node, const std::vector<PoolHost> &hosts,
                        const std::string &where) {
    if (answer.node != node) throw Error(where + ": the answer is about node " + answer.node + ", not " + node);
    if (answer.pool != pool_digest(hosts))
        throw Error(where + ": judged against another pool (its hosts or their fingerprints differ: the cluster's configuration "
                            "changed between the reads); ask again");
    std::set<std::string> seen;
    for (const DomainMobility &dm : answer.domains) {
        if (!seen.insert(dm.domain).second) throw Error(where + ": domain " + dm.domain + " named twice");
        std::vector<std::string> named = dm.mobility.live;
        named.insert(named.end(), dm.mobility.restart.begin(), dm.mobility.restart.end());
        for (const auto &[h, why] : dm.mobility.refused) named.push_back(h);
        std::multiset<std::string> got(named.begin(), named.end()), want;
        for (const auto &h : hosts)
            if (h.name != node) want.insert(h.name);
        if (got != want)
            throw Error(where + ": domain " + dm.domain + ": does not name each other host of the pool exactly once (live, restart or refused)");
    }
}

}  // namespace cpucompat
