// What a guest OS needs of the CPU to boot (the guest table,
// toolstack/data/guests.yaml), and what of it a policy lacks.
//
// A normalized policy can be too low for the guest inside it: Windows 11
// 24H2 and Server 2025 stop at boot without SSE4.2 and POPCNT, which the
// Hyper-V 2008 R2 masks hide; RHEL 9 needs x86-64-v2, RHEL 10 x86-64-v3.
// Each entry names what it needs as a level (a baseline's `require`) plus
// features, and where that was read.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cpu_template.h"
#include "policy.h"

namespace cpucompat {

struct GuestNeeds {
    std::string name;         // lower-case and versioned, as typed: rhel-9, windows-11-24h2
    std::string description;  // the OS and versions it covers
    std::string level;        // a baseline whose `require` the guest needs; "" for none
    Featureset features;      // needed beyond the level
    std::string source;       // where the need was read (an https URL)
    std::string read;         // the date it was read, YYYY-MM-DD
    std::string note;         // what the source leaves open; may be ""
};

using GuestTable = std::map<std::string, GuestNeeds>;

// A guest name: 1..64 of a-z, 0-9, '.', '+', '-', starting with a letter or
// digit (the table's names; what cpu_compat_guest= and --guest take).
bool plain_guest_name(const std::string &s);

// The features the guest needs: its level's `require` and its own features.
// Throws Error when the level is not in `levels` or requires nothing.
Featureset guest_minimum(const GuestNeeds &g, const TemplateLibrary &levels);

// What of `minimum` a policy's features lack (empty: the guest can boot).
inline Featureset guest_missing(const Featureset &offered, const Featureset &minimum) { return minimum.minus(offered); }

// The same for a kind of domain, as a domain's policy is checked against
// it: a PV guest is not asked for HVM-only features (Xen never gives a PV
// domain those, and a PV kernel does not look for them), and no guest for
// state bits (sep, syscall, osxsave...: Xen sets them per vendor and mode,
// as apply_template's floors leave them out).
Featureset guest_minimum(const GuestNeeds &g, const TemplateLibrary &levels, GuestType type);

// Why a domain is not built for its guest: one line naming the guest, every
// feature it would lack, and the mode (with the user's cpuid=, if any)
// that hides them; "" when nothing is missing. `missing` are feature names.
std::string guest_refusal(const std::string &guest, const std::vector<std::string> &missing, const std::string &mode, bool user_cpuid);

}  // namespace cpucompat
