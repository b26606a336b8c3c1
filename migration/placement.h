// Placement on Pacemaker from cpucompat's judgement (issue 11): the node
// attributes a Xen host publishes about its CPU, and the location rules
// that keep each domain off the nodes that cannot create it in its mode.
// Pure: values in, text out. `cpucompat pacemaker` gathers the values; the
// cluster's own tools (crm_attribute, cibadmin) store them, and Pacemaker's
// scheduler does the placing.
//
// Node attributes (node_attributes()), permanent, one set per node:
//   cpucompat-vendor        its CPU vendor id: GenuineIntel, AuthenticAMD,
//                           HygonGenuine (live moves stay within one)
//   cpucompat-fingerprint   policy_hash() of its max policy: changes with a
//                           microcode, firmware or Xen upgrade
//   cpucompat-max           what the node offers guests (pool_max()), as
//                           a one-line fingerprint (cpucompat-fingerprint/1
//                           JSON, no raw leaves): what the pool's level is
//                           made of (cluster_pool_hosts())
//   cpucompat-floor-TYPE-M  "yes" when a TYPE (hvm or pv) domain in mode M
//                           can be created here, as cpucompat migrate judges
//                           a restart onto this node (restart_refusal():
//                           the plugin would not refuse it), else "no".
//                           M is floor_attribute()'s spelling of the mode:
//                           vendor, hyperv-r2, level-NAME for every baseline
//
// Invariants the tests pin:
//   - every mode with a floor (vendor, hyperv-r2, level:NAME of the data)
//     has one attribute per guest type, on every node; off and pool have
//     none: every node meets them (a pool's level is below each of its
//     nodes), and file:PATH is refused (its file is per node);
//   - the pool the cluster configures is every node of <nodes>, each by its
//     cpucompat-max: a node without one, or with one this build cannot read
//     whole, is an Error naming it (never left out: that would raise the
//     level above what it can run);
//   - a location rule bans every node whose attribute is not "yes": a node
//     that never published (cpucompat not installed) is not trusted;
//   - a domain naming its guest (cpu_compat_guest) is also kept off every
//     node whose policy in its mode lacks what that guest needs, and off
//     every node that never published (the same judgement as a restart's);
//   - what goes into the CIB is XML-safe whatever the input: resource ids
//     are checked as XML ids, values escaped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../toolstack/core/cpu_template.h"
#include "../toolstack/core/normalize.h"
#include "../toolstack/core/policy.h"
#include "pool.h"

namespace cpucompat {

struct NodeAttribute {
    std::string name, value;
};

// The floor attribute of a mode for a guest type ("cpucompat-floor-hvm-
// level-x86-64-v2"); "" for a mode without a floor (off, pool).
// Throws Error for file:PATH.
std::string floor_attribute(const Mode &mode, GuestType guest);

// The modes that have a floor: vendor, hyperv-r2, level:NAME for every
// template of `lib`, in that order.
std::vector<Mode> floor_modes(const TemplateLibrary &lib);

// A node's CPU as the attributes tell it: its host policy (the fingerprint
// `cpucompat publish` writes) and the max policy of each guest type its Xen
// runs (none: that type's floors are all "no").
struct NodeCpu {
    Policy host;
    std::optional<Policy> hvm_max, pv_max;
};

// What this node publishes, in the order above (hvm's floors, then pv's).
std::vector<NodeAttribute> node_attributes(const NodeCpu &cpu, const TemplateLibrary &lib);

// A node's max as a pool host: HVM Max, else PV Max (a Xen without HVM),
// else the host policy; what `xen-cpuid -p`'s "max" selects, so the cluster's
// pool is the one `cpucompat publish --pool` makes from those dumps.
const Policy &pool_max(const NodeCpu &cpu);

inline constexpr const char *kMaxAttribute = "cpucompat-max";

// A node of the cluster configuration and the value of one of its
// permanent attributes (nullopt: it has none of that name).
struct CibNodeValue {
    std::string uname;
    std::optional<std::string> value;
};

// The pool as the cluster configures it: every node, by its kMaxAttribute.
// Throws Error naming the node when it has none (`cpucompat pacemaker
// attributes --apply` never ran there) or its value is not a fingerprint,
// and when there is no node at all.
std::vector<PoolHost> cluster_pool_hosts(const std::vector<CibNodeValue> &nodes);

// The node's attributes as one CIB update: <node id="ID" uname="UNAME">
// with <instance_attributes id="nodes-ID"> and one <nvpair
// id="nodes-ID-NAME"> each: the ids crm_attribute gives them, so `cibadmin
// --modify --allow-create --scope nodes --xml-text` replaces what an earlier
// publication (or crm_attribute) stored, in one call instead of one per
// attribute. Throws Error for a node id or name that is not plain_xml_id()
// or all digits (Pacemaker's are corosync node ids), or an attribute name
// that is not plain_xml_id(); values are escaped.
std::string node_attributes_xml(const std::string &node_id, const std::string &uname, const std::vector<NodeAttribute> &attributes);

// What of `attributes` the node's stored permanent attributes (`stored`, by
// name, as the CIB holds them) do not already say, in their order: the
// update to make, empty when the node's publication is current. An
// attribute stored but not in `attributes` is left as it is.
std::vector<NodeAttribute> attributes_to_store(const std::vector<NodeAttribute> &attributes,
                                               const std::map<std::string, std::string> &stored);

// A cluster resource running a domain: its id in the CIB and what it asks.
struct PlacedResource {
    std::string id;
    Mode mode;
    GuestType guest = GuestType::hvm;
    std::string guest_os;                     // its config's cpu_compat_guest; "" when none
    std::optional<Featureset> guest_minimum;  // what that guest needs (for its type)
};

// A node of the cluster configuration by its kMaxAttribute: no policy when
// it has none (it never published).
struct ClusterNode {
    std::string name;
    std::optional<Policy> max;
};

// Every node of `nodes`, its value read as cluster_pool_hosts() reads it:
// Error naming the node for a value that is not a fingerprint (a node
// without one is kept, without a policy).
std::vector<ClusterNode> cluster_nodes(const std::vector<CibNodeValue> &nodes);

// The nodes where `r`'s guest (cpu_compat_guest) would not boot with the
// policy its mode gives it there, each with the reason: restart_refusal()
// against the node's published max (mode pool: at the level of the
// published nodes of its vendor). A node that never published is not
// trusted: banned. Empty when `r` names no guest or its needs are unknown.
// The node's max is its HVM max where it runs HVM: a PV guest that the PV
// max would fail is still refused by the plugin at its start (exit 5).
std::vector<std::pair<std::string, std::string>> guest_bans(const PlacedResource &r, const std::vector<ClusterNode> &nodes,
                                                            const TemplateLibrary &lib);

// An XML id (Pacemaker's resource ids): a letter or '_' first, then
// letters, digits, '_', '-', '.'; at most 128.
bool plain_xml_id(const std::string &s);

// <constraints> with one <rsc_location id="cpucompat-floor-ID"> per
// resource whose mode has a floor: score -INFINITY on every node where its
// floor attribute is not "yes"; and one <rsc_location
// id="cpucompat-guest-ID"> per resource naming a guest: -INFINITY on each
// node of `banned` (by resource id; guest_bans()), or on none (a rule no
// node matches, so that it replaces an older one). For `cibadmin --modify
// --allow-create --scope constraints --xml-text`, which replaces those ids
// and keeps every other constraint. Throws Error for an id that is not
// plain_xml_id(), an id given twice, or a file: mode.
std::string location_constraints_xml(const std::vector<PlacedResource> &resources,
                                     const std::map<std::string, std::vector<std::string>> &banned = {});

}  // namespace cpucompat
