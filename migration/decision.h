// decide(): what kind of move a domain gets, before anything moves.
//   live     same vendor, the receiver's max policy has every feature and
//            limit of the domain's policy, and this host can move it live
//   restart  vendors differ (never live: Xen 4.17 does not even check), or
//            a live move is impossible and --allow-restart was given
//   refuse   features or limits missing, or no live move possible (and no
//            --allow-restart), or a restart would be needed and
//            --live-only was given, or a restart there would not give the
//            domain a policy (restart_refusal below)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../toolstack/core/compare.h"
#include "../toolstack/core/normalize.h"

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

// What a restart makes of a domain: it is created afresh on the receiver by
// its record's mode, and the guest it runs must boot with what that gives.
struct RestartFit {
    std::optional<Mode> mode;                 // the record's mode; none: no record
    std::string guest_os;                     // the record's guest; "" when none was named
    std::optional<Featureset> guest_minimum;  // what it needs (for its guest type); none: not known here
};

// Why a restart onto a host with this max policy would fail or leave the
// guest without what it needs: the host below the mode's floor (its plugin
// would refuse the create, after the domain went down here), or the guest's
// missing features, named. "" when it would do, or when it cannot be known
// here: no record, or modes whose data is the receiver's (file:, and pool
// unless `pool` gives the receiver's pool: the host policies of its
// vendor, as the pool model knows them), which its plugin judges at the
// create.
std::string restart_refusal(const RestartFit &fit, const Policy &receiver_max, GuestType guest, const TemplateLibrary &lib,
                            const std::vector<Policy> &pool = {});

// restart_blocked: restart_refusal() towards this receiver; a move that
// would be a restart is refused with it.
Decision decide(const Policy &domain, const Policy &receiver_max, const MoveOptions &o, const LiveCapability &live = {},
                const std::string &restart_blocked = "");

}  // namespace cpucompat
