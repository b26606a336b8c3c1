// One entry point for every importable format, chosen by content:
// project fingerprint (JSON or YAML), `xen-cpuid -p`, InstLatx64 dump,
// `cpuid -r`. The live host is imported by the libxc adapter instead.
#pragma once

#include <string>

#include "../core/policy.h"
#include "input_file.h"

namespace cpucompat {

enum class InputFormat { fingerprint_json, fingerprint_yaml, xen_cpuid, instlat, cpuid_tool };

const char *format_name(InputFormat f);
InputFormat detect_format(const std::string &text);

// A policy and where it came from, so that every verdict can name the
// policy of each input it used.
struct Imported {
    std::string file;
    InputFormat format = InputFormat::fingerprint_json;
    std::string section;  // the xen-cpuid -p policy used ("HVM Max"); "" for one-policy formats
    Policy policy;

    // FILE (xen-cpuid -p, policy "HVM Max") / FILE (InstLatx64 CPUID dump)
    std::string describe() const;
};

// xen_cpuid_policy: which policy of a `xen-cpuid -p` file (see
// select_policy()); ignored for other formats.
Imported import_input(const InputText &in, const std::string &xen_cpuid_policy = "");
Imported import_file(const std::string &path, const std::string &xen_cpuid_policy = "");
// The policy alone: import_input(...).policy.
Policy import_policy(const InputText &in, const std::string &xen_cpuid_policy = "");
Policy import_policy_file(const std::string &path, const std::string &xen_cpuid_policy = "");

// The two sides of `compare GUEST HOST`. The host side is `host_sel` of the
// host file ("max": what that host can offer). The guest side is
// `guest_sel`; when that is empty and the guest file is a xen-cpuid -p dump,
// it is what a domain gets there, held against what the host side offers:
//  - host side a "T Max" policy: the guest file's "T Default" (a domain of
//    that kind created there), else its "T Max";
//  - host side another xen-cpuid policy: the same policy of the guest file
//    if it has one;
//  - host side another format: the guest file's "default" (HVM Default,
//    else PV Default, else Host or its only policy).
// So `compare X X` compares a host with itself: Xen derives each default
// policy from the max one, and the importer refuses a dump where it does not.
struct CompareSides {
    Imported guest, host;
};
CompareSides import_compare_sides(const InputText &guest, const std::string &guest_sel, const InputText &host,
                                  const std::string &host_sel);

}  // namespace cpucompat
