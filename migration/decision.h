// decide(): what kind of move a domain gets, before anything moves.
//   live     same vendor, the receiver's max policy has every feature and
//            limit of the domain's policy, and this host can move it live
//   restart  vendors differ (never live: Xen 4.17 does not even check), or
//            a live move is impossible and --allow-restart was given
//   refuse   features or limits missing, or no live move possible (and no
//            --allow-restart), or a restart would be needed and
//            --live-only was given
#pragma once

#include <string>

#include "../toolstack/core/compare.h"

namespace cpucompat {

struct MoveOptions {
    bool live_only = false;
    bool allow_restart = false;
};

enum class MoveKind { live, restart, refuse };
const char *move_kind_name(MoveKind k);  // "live", "restart", "refuse"

struct Decision {
    MoveKind kind = MoveKind::refuse;
    CompareResult diff;  // the domain's policy against the receiver's max
    std::string reason;  // one line, for people and the audit log
};

// Whether this host can move a domain live at all: live migration tracks
// the pages a running guest dirties, which Xen does for PV guests with
// shadow paging only, for HVM and PVH guests with HAP or shadow paging.
struct LiveCapability {
    bool possible = true;
    std::string why_not;
};
LiveCapability live_capability(bool pv_guest, bool xen_has_hap, bool xen_has_shadow);

Decision decide(const Policy &domain, const Policy &receiver_max, const MoveOptions &o, const LiveCapability &live = {});

}  // namespace cpucompat
