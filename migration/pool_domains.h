// A node's running domains and where each can go, as that node judges them
// (`cpucompat --json pool domains --node NAME`): what `cpucompat pool
// status` asks every other node of the cluster for, over ssh, so that it
// shows every running domain of the pool and not only its own host's.
// Pure: the value, its JSON form, and the strict reading of it (the answer
// is untrusted input from another host).
//
// Invariants the tests pin:
//   - node_domains_from_json() reads exactly what node_domains_json()
//     writes, and refuses anything else (another format, unknown or missing
//     keys, a name that is not a short printable string);
//   - check_node_domains() accepts an answer only when it is about the node
//     asked, was judged against the same pool (every host by name and
//     fingerprint, in the same order: the cluster's configuration did not
//     change between the two reads), and names each of the pool's other
//     hosts exactly once per domain (live, restart or refused), never the
//     node itself; a domain named twice is refused.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pool.h"

namespace cpucompat {

inline constexpr const char *kPoolDomainsFormat = "cpucompat-pool-domains/1";

struct DomainMobility {
    std::string domain;
    Mobility mobility;
};

struct NodeDomains {
    std::string node;  // the pool host whose domains these are
    std::vector<std::pair<std::string, std::string>> pool;  // every pool host: name, policy_hash() of its max
    std::vector<DomainMobility> domains;
};

// {"live": [...], "restart": [...], "refused": {HOST: why}}: a domain's
// mobility as this answer and `pool status`/`what-if --json` write it.
nlohmann::ordered_json mobility_json(const Mobility &m);

// The pool as NodeDomains::pool spells it.
std::vector<std::pair<std::string, std::string>> pool_digest(const std::vector<PoolHost> &hosts);

nlohmann::ordered_json node_domains_json(const NodeDomains &d);

// Throws Error naming `where` on anything node_domains_json() does not write.
NodeDomains node_domains_from_json(const std::string &text, const std::string &where);

// Throws Error naming `where` when `answer` is not node `node`'s judgement
// in pool `hosts` (see the invariants above).
void check_node_domains(const NodeDomains &answer, const std::string &node, const std::vector<PoolHost> &hosts,
                        const std::string &where);

}  // namespace cpucompat
