#include "placement.h"

#include <cctype>
#include <set>

#include "../toolstack/core/error.h"
#include "../toolstack/core/text.h"
#include "../toolstack/import/domain_record.h"
#include "../toolstack/import/fingerprint.h"
#include "../toolstack/import/input_file.h"
#include "decision.h"

namespace cpucompat {

namespace {

// The part of an attribute name a mode gives: "vendor", "hyperv-r2",
// "level-NAME" ("" for none).
std::string mode_part(const Mode &mode) {
    switch (mode.kind) {
    case Mode::Kind::off:
    case Mode::Kind::pool: return "";
    case Mode::Kind::vendor: return "vendor";
    case Mode::Kind::hyperv_r2: return "hyperv-r2";
    case Mode::Kind::level: return "level-" + mode.arg;
    case Mode::Kind::file: break;
    }
    throw Error("mode " + mode.to_string() + ": a file mode has no floor the cluster can know (its file is read on each node); "
                "use a baseline of the data directory (level:NAME)");
}

// XML attribute value: & < > " escaped (the rest is passed as it is).
std::string xml_value(const std::string &s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

}  // namespace

std::string floor_attribute(const Mode &mode, GuestType guest) {
    const std::string part = mode_part(mode);
    return part.empty() ? "" : std::string("cpucompat-floor-") + guest_type_name(guest) + "-" + part;
}

std::vector<Mode> floor_modes(const TemplateLibrary &lib) {
    std::vector<Mode> out{Mode{Mode::Kind::vendor, ""}, Mode{Mode::Kind::hyperv_r2, ""}};
    for (const auto &[name, t] : lib) out.push_back(Mode{Mode::Kind::level, name});
    return out;
}

const Policy &pool_max(const NodeCpu &cpu) { return cpu.hvm_max ? *cpu.hvm_max : cpu.pv_max ? *cpu.pv_max : cpu.host; }

std::vector<NodeAttribute> node_attributes(const NodeCpu &cpu, const TemplateLibrary &lib) {
    std::vector<NodeAttribute> out{{"cpucompat-vendor", cpu.host.vendor_id},
                                   {"cpucompat-fingerprint", policy_hash(cpu.host)},
                                   {kMaxAttribute, policy_to_json(pool_max(cpu), false).dump()}};
    for (const GuestType guest : {GuestType::hvm, GuestType::pv}) {
        const std::optional<Policy> &max = guest == GuestType::hvm ? cpu.hvm_max : cpu.pv_max;
        for (const Mode &m : floor_modes(lib)) {
            const bool meets = max && restart_refusal(RestartFit{m, "", std::nullopt}, *max, guest, lib).empty();
            out.push_back({floor_attribute(m, guest), meets ? "yes" : "no"});
        }
    }
    return out;
}

std::vector<ClusterNode> cluster_nodes(const std::vector<CibNodeValue> &nodes) {
    std::vector<ClusterNode> out;
    for (const CibNodeValue &n : nodes) {
        out.push_back({n.uname, std::nullopt});
        if (!n.value) continue;
        // Text from another host: checked as a file would be, then read
        // whole; its errors name the node and the attribute.
        const InputText in{"node " + quote_text(n.uname) + " attribute " + kMaxAttribute, *n.value};
        check_input_text(in);
        out.back().max = parse_fingerprint_json(in);
    }
    return out;
}

std::vector<PoolHost> cluster_pool_hosts(const std::vector<CibNodeValue> &nodes) {
    if (nodes.empty()) throw Error("the cluster configuration has no nodes");
    std::vector<PoolHost> out;
    for (ClusterNode &n : cluster_nodes(nodes)) {
        if (!n.max)
            throw Error("node " + quote_text(n.name) + " has no " + kMaxAttribute +
                        " attribute: run `cpucompat pacemaker attributes --apply` on it (the pool's level is not judged without it)");
        out.push_back({n.name, std::move(*n.max)});
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> guest_bans(const PlacedResource &r, const std::vector<ClusterNode> &nodes,
                                                            const TemplateLibrary &lib) {
    std::vector<std::pair<std::string, std::string>> out;
    if (r.guest_os.empty() || !r.guest_minimum) return out;
    const RestartFit fit{r.mode, r.guest_os, r.guest_minimum};
    for (const ClusterNode &n : nodes) {
        if (!n.max) {
            out.emplace_back(n.name, std::string("it has not published ") + kMaxAttribute + " (cpucompat pacemaker attributes --apply)");
            continue;
        }
        std::vector<Policy> vendor;  // mode pool: the level of its vendor's published nodes
        for (const ClusterNode &m : nodes)
            if (m.max && m.max->vendor_id == n.max->vendor_id) vendor.push_back(*m.max);
        const std::string why = restart_refusal(fit, *n.max, r.guest, lib, vendor);
        if (!why.empty()) out.emplace_back(n.name, why);
    }
    return out;
}

bool plain_xml_id(const std::string &s) {
    if (s.empty() || s.size() > 128 || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (const unsigned char c : s)
        if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') return false;
    return true;
}

std::string location_constraints_xml(const std::vector<PlacedResource> &resources,
                                     const std::map<std::string, std::vector<std::string>> &banned) {
    std::set<std::string> seen;
    std::string out = "<constraints>\n";
    for (const PlacedResource &r : resources) {
        if (!plain_xml_id(r.id))
            throw Error("resource \"" + r.id + "\": not a Pacemaker resource id (a letter or '_', then letters, digits, '_', '-', '.')");
        if (!seen.insert(r.id).second) throw Error("resource " + r.id + " named twice");
        const std::string attr = floor_attribute(r.mode, r.guest);
        if (!attr.empty()) {
            const std::string id = "cpucompat-floor-" + r.id;
            out += "  <rsc_location id=\"" + id + "\" rsc=\"" + r.id + "\">\n";
            out += "    <rule id=\"" + id + "-rule\" score=\"-INFINITY\">\n";
            out += "      <expression id=\"" + id + "-expr\" attribute=\"" + xml_value(attr) + "\" operation=\"ne\" value=\"yes\"/>\n";
            out += "    </rule>\n  </rsc_location>\n";
        }
        if (r.guest_os.empty()) continue;
        const std::string id = "cpucompat-guest-" + r.id;
        const auto b = banned.find(r.id);
        out += "  <rsc_location id=\"" + id + "\" rsc=\"" + r.id + "\">\n";
        out += "    <rule id=\"" + id + "-rule\" score=\"-INFINITY\" boolean-op=\"or\">\n";
        if (b == banned.end() || b->second.empty()) {
            // #uname is defined on every node: a rule that bans none.
            out += "      <expression id=\"" + id + "-none\" attribute=\"#uname\" operation=\"not_defined\"/>\n";
        } else {
            int i = 0;
            for (const std::string &node : b->second)
                out += "      <expression id=\"" + id + "-" + std::to_string(++i) + "\" attribute=\"#uname\" operation=\"eq\" value=\"" +
                       xml_value(node) + "\"/>\n";
        }
        out += "    </rule>\n  </rsc_location>\n";
    }
    return out + "</constraints>\n";
}

std::string node_attributes_xml(const std::string &node_id, const std::string &uname, const std::vector<NodeAttribute> &attributes) {
    const auto id_like = [](const std::string &s) {
        return plain_xml_id(s) || (!s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos);
    };
    if (!id_like(node_id)) throw Error("cluster node id \"" + node_id + "\": not a node id the CIB could have (digits, or an XML id)");
    if (!id_like(uname)) throw Error("cluster node \"" + uname + "\": not a node name the CIB could have");
    const std::string set = "nodes-" + node_id;
    std::string out = "<node id=\"" + node_id + "\" uname=\"" + uname + "\">\n  <instance_attributes id=\"" + set + "\">\n";
    std::set<std::string> seen;
    for (const NodeAttribute &a : attributes) {
        if (!plain_xml_id(a.name)) throw Error("node attribute \"" + a.name + "\": not a name the CIB could have");
        if (!seen.insert(a.name).second) throw Error("node attribute " + a.name + " given twice");
        out += "    <nvpair id=\"" + set + "-" + a.name + "\" name=\"" + a.name + "\" value=\"" + xml_value(a.value) + "\"/>\n";
    }
    return out + "  </instance_attributes>\n</node>\n";
}

std::vector<NodeAttribute> attributes_to_store(const std::vector<NodeAttribute> &attributes,
                                               const std::map<std::string, std::string> &stored) {
    std::vector<NodeAttribute> out;
    for (const NodeAttribute &a : attributes) {
        const auto it = stored.find(a.name);
        if (it == stored.end() || it->second != a.value) out.push_back(a);
    }
    return out;
}

}  // namespace cpucompat
